"""Run Lighthouse (npm lighthouse 12.2.3, tests/lighthouse/node_modules) on a URL with Debian's
Chromium, mobile form factor as its defaults are; return the category scores (0-100) and the
failing audits. Used by tests/browser/test_lighthouse.py and bench/bench_pages.py."""

from __future__ import annotations

import json
import os
import shutil
import subprocess
from pathlib import Path

CLI = Path(__file__).resolve().parent / "node_modules" / "lighthouse" / "cli" / "index.js"
CHROMIUM = shutil.which("chromium") or "/usr/bin/chromium"


def available() -> str | None:
    """None when Lighthouse can run here, else why not."""
    if not CLI.exists():
        return f"no Lighthouse at {CLI}: make test installs it (needs npm)"
    if not shutil.which("node"):
        return "no node: apt-get install nodejs"
    if not os.path.exists(CHROMIUM):
        return f"no Chromium at {CHROMIUM}"
    return None


def run(url: str, *, timeout: float = 180) -> dict:
    """Scores and failing audits of one page: {"performance": 98, "accessibility": 100,
    "failing": {audit id: title}, "bytes": total transfer}."""
    done = subprocess.run(
        [
            "node",
            str(CLI),
            url,
            "--only-categories=performance,accessibility",
            "--output=json",
            "--output-path=stdout",
            "--quiet",
            "--chrome-flags=--headless=new --no-sandbox --disable-gpu",
        ],
        capture_output=True,
        text=True,
        timeout=timeout,
        env={**os.environ, "CHROME_PATH": CHROMIUM},
        check=False,
    )
    if done.returncode != 0:
        raise RuntimeError(f"lighthouse failed ({done.returncode}): {done.stderr[-2000:]}")
    report = json.loads(done.stdout)
    scores = {name: round(c["score"] * 100) for name, c in report["categories"].items()}
    failing = {
        ref["id"]: report["audits"][ref["id"]]["title"]
        for category in report["categories"].values()
        for ref in category["auditRefs"]
        if ref.get("weight")
        and report["audits"][ref["id"]].get("score") is not None
        and report["audits"][ref["id"]]["score"] < 1
    }
    total = report["audits"].get("total-byte-weight", {}).get("numericValue")
    return {**scores, "failing": failing, "bytes": int(total or 0)}


def steady(url: str, *, runs: int = 3) -> dict:
    """Lighthouse's advice for its variance: the median of a few runs. One run when it meets
    95 for performance already; else `runs` of them, the median by performance."""
    first = run(url)
    if first["performance"] >= 95:
        return first
    results = sorted([first, *(run(url) for _ in range(runs - 1))], key=lambda r: r["performance"])
    return results[len(results) // 2]
