"""Fine-tune an HR task model as a Ray job: the same training and flags as `hrm train`.

    RAY_AUTH_MODE=token ray job submit --address http://HEAD:8265 --working-dir . -- \
        python jobs/finetune.py sentiment --data-dir /mnt/hr-data --output s3://bucket/hrm-models \
        --storage-path s3://bucket/hrm-runs --num-workers 4 --use-gpu

Inside a job `ray.init()` joins the cluster; the data folder must be readable on every node, and on a
multi-node cluster --output and --storage-path should be shared storage (s3://, gs:// or NFS).
"""

import argparse
import sys

from hrm_ray import console
from hrm_ray.cli import USER_ERRORS, add_train_arguments, config_from_args
from hrm_ray.train.run import train


def main() -> int:
    parser = argparse.ArgumentParser(prog="jobs/finetune.py", description=__doc__.split("\n")[0])
    add_train_arguments(parser)
    console.add_verbose_flag(parser)
    try:
        args = parser.parse_args()
        console.configure_console(args.verbose)
        train(config_from_args(args))
    except USER_ERRORS as error:
        print(f"finetune: error: {error}", file=sys.stderr)
        return 2
    return 0


if __name__ == "__main__":
    sys.exit(main())
