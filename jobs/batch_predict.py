"""Score a whole table offline with Ray Data, streaming, into Parquet: an applicant pool, a workforce.

    python jobs/batch_predict.py attrition --model models/attrition/latest \\
        --input workforce.csv --output scored/attrition/          # local Ray
    RAY_AUTH_MODE=token ray job submit --address http://HEAD:8265 --working-dir . -- \\
        python jobs/batch_predict.py screening --model s3://bucket/hrm-models/screening/20261126-101500 \\
        --input s3://bucket/applicants/ --output s3://bucket/scored/screening/ --num-actors 8

Every input row comes out once, with its columns, the predicted label, per-class probabilities and an
`error` column naming why a row could not be scored. The last line printed is a JSON summary.
"""

import argparse
import json
import sys

from hrm_ray.inference.score_table import score_table
from hrm_ray.cli import USER_ERRORS
from hrm_ray.tasks import TASKS


def main() -> int:
    parser = argparse.ArgumentParser(prog="jobs/batch_predict.py", description=__doc__.split("\n")[0])
    parser.add_argument("task", choices=list(TASKS))
    parser.add_argument("--model", required=True, help="model folder, or a registry task folder (uses latest)")
    parser.add_argument("--input", required=True, help=".csv, .csv.gz or .parquet file, or a folder of them")
    parser.add_argument("--output", required=True, help="folder for the Parquet part files (new or empty)")
    parser.add_argument("--text-column", default="text", help="text tasks: the column holding the text")
    parser.add_argument("--num-actors", type=int, default=1, help="scoring actors, one model copy and CPU each")
    parser.add_argument("--batch-size", type=int, default=256, help="rows per scoring batch")
    args = parser.parse_args()
    try:
        summary = score_table(args.task, args.model, args.input, args.output, args.text_column, args.num_actors,
                              args.batch_size)
    except USER_ERRORS as error:
        print(f"batch_predict: error: {error}", file=sys.stderr)
        return 2
    if summary["errors"]:
        print(f"batch_predict: {summary['errors']} row(s) could not be scored (see the error column); "
              f"first: {summary['first_error']}", file=sys.stderr)
    print(json.dumps(summary))
    return 0


if __name__ == "__main__":
    sys.exit(main())
