"""Search an HR task's hyperparameters as a Ray job: the same search and flags as `hrm tune`.

    RAY_AUTH_MODE=token ray job submit --address http://HEAD:8265 --working-dir . -- \\
        python jobs/tune.py sentiment --data-dir /mnt/hr-data --output s3://bucket/hrm-models \\
        --storage-path s3://bucket/hrm-tune --num-samples 16 --num-workers 2 --use-gpu

Trials spread over the cluster's nodes; the search folder (--storage-path) and the registry (--output) must be
shared storage on a multi-node cluster. Resubmitting with --resume continues an interrupted search.
"""

import argparse
import sys

from hrm_ray import console
from hrm_ray.cli import USER_ERRORS, add_tune_arguments, search_from_args
from hrm_ray.tune.search import run_search


def main() -> int:
    parser = argparse.ArgumentParser(prog="jobs/tune.py", description=__doc__.split("\n")[0])
    add_tune_arguments(parser)
    console.add_verbose_flag(parser)
    try:
        args = parser.parse_args()
        console.configure_console(args.verbose)
        run_search(*search_from_args(args))
    except USER_ERRORS as error:
        print(f"tune: error: {error}", file=sys.stderr)
        return 2
    return 0


if __name__ == "__main__":
    sys.exit(main())
