"""Measure `finops-tui analyze` on a generated FOCUS bill: rows per second and peak memory.

    .venv/bin/python benchmarks/analyze_bench.py [--rows 1000000] [--json] [--keep FILE]

The bill is generated (ours, not real data): 12 monthly periods, 40 services, 200,000
resources, a third of the rows untagged, commitment Used/Unused rows and GPU and token
units, in FOCUS 1.2 columns. `analyze --json --require-tag Owner` runs on it in a child
process; its wall time and peak resident set (ru_maxrss) are reported. The file is
deleted afterwards unless --keep names where to leave it.

A benchmark, not a test: figures depend on the machine; run it by hand and report.
"""

from __future__ import annotations

import argparse
import json
import os
import resource
import subprocess
import sys
import tempfile
import time
from pathlib import Path

HEADER = (
    "BilledCost,EffectiveCost,ListCost,ChargeCategory,ChargeDescription,BillingPeriodStart,"
    "ServiceName,ServiceCategory,PricingCategory,PricingQuantity,PricingUnit,ConsumedQuantity,"
    "CommitmentDiscountId,CommitmentDiscountStatus,CommitmentDiscountQuantity,ResourceId,"
    "SkuPriceDetails,Tags,InvoiceId\n"
)


def generate(path: Path, rows: int) -> None:
    """A bill of `rows` rows, written in chunks so the generator stays small too."""
    gpu = '"{""GpuCount"": 8, ""x_GpuType"": ""h100""}"'
    owner = '"{""Owner"": ""team-{t}"", ""CostCenter"": ""cc-{t}""}"'
    with path.open("w", encoding="utf-8", newline="") as handle:
        handle.write(HEADER)
        chunk = []
        for i in range(rows):
            month = i % 12 + 1
            service = f"Service {i % 40}"
            tags = owner.replace("{t}", str(i % 7)) if i % 3 else '"{}"'
            period = f"2026-{month:02d}-01T00:00:00Z"
            if i % 10 == 0:
                status = "Used" if i % 20 else "Unused"
                consumed = "" if status == "Unused" else "1"
                chunk.append(
                    f"0,{i % 97 / 10:.2f},0,Usage,GPU hours,{period},GPU Compute,Compute,"
                    f"Committed,1,Hours,{consumed},ri-{i % 5},{status},1,r-{i % 200_000},"
                    f"{gpu},{tags},INV-{month}\n"
                )
            elif i % 10 == 1:
                chunk.append(
                    f"{i % 53 / 10:.2f},{i % 53 / 10:.2f},{i % 53 / 10:.2f},Usage,Tokens,"
                    f"{period},LLM API,AI and Machine Learning,Standard,0.5,1000000 Tokens,"
                    f"500000,,,,r-{i % 200_000},,{tags},INV-{month}\n"
                )
            else:
                cost = f"{i % 1000 / 100:.2f}"
                chunk.append(
                    f"{cost},{cost},{cost},Usage,Usage of {service},{period},{service},Compute,"
                    f"Standard,1,Hours,1,,,,r-{i % 200_000},,{tags},INV-{month}\n"
                )
            if len(chunk) >= 10_000:
                handle.write("".join(chunk))
                chunk.clear()
        handle.write("".join(chunk))


def measure(path: Path) -> dict[str, float]:
    command = [
        sys.executable,
        "-m",
        "finops_tui",
        "analyze",
        str(path),
        "--json",
        "--require-tag",
        "Owner",
    ]
    start = time.perf_counter()
    done = subprocess.run(command, capture_output=True, text=True, check=False)
    seconds = time.perf_counter() - start
    if done.returncode != 0:
        raise SystemExit(f"analyze failed: {done.stderr.strip()}")
    peak_kb = resource.getrusage(resource.RUSAGE_CHILDREN).ru_maxrss
    rows = json.loads(done.stdout)["rows"]
    return {
        "rows": rows,
        "seconds": round(seconds, 2),
        "rows_per_second": round(rows / seconds),
        "peak_rss_mb": round(peak_kb / 1024, 1),
        "file_mb": round(path.stat().st_size / 1e6, 1),
    }


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--rows", type=int, default=1_000_000)
    parser.add_argument("--json", action="store_true")
    parser.add_argument("--keep", metavar="FILE", help="leave the generated bill here")
    args = parser.parse_args(argv)
    with tempfile.TemporaryDirectory() as folder:
        path = Path(args.keep) if args.keep else Path(folder) / "bill.csv"
        start = time.perf_counter()
        generate(path, args.rows)
        generated = time.perf_counter() - start
        result = {"generate_seconds": round(generated, 1), **measure(path)}
        if not args.keep:
            os.remove(path)
    if args.json:
        print(json.dumps(result, indent=2))
    else:
        print(
            f"analyze: {result['rows']:,} rows ({result['file_mb']} MB) in {result['seconds']} s,"
            f" {result['rows_per_second']:,} rows/s, peak memory {result['peak_rss_mb']} MB"
        )
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
