"""Fits y = w * x + b by gradient descent and logs the loss of each epoch to the run the project
started (MLFLOW_RUN_ID), over MLflow's REST API with the standard library only."""

import argparse
import csv
import json
import os
import time
import urllib.request

parser = argparse.ArgumentParser()
parser.add_argument("--data", required=True)
parser.add_argument("--alpha", type=float, required=True)
parser.add_argument("--epochs", type=int, required=True)
args = parser.parse_args()

with open(args.data, newline="") as f:
    rows = [(float(r["x"]), float(r["y"])) for r in csv.DictReader(f)]

tracking_uri = os.environ.get("MLFLOW_TRACKING_URI", "")
run_id = os.environ.get("MLFLOW_RUN_ID")


def log_batch(metrics):
    # A database URI (sqlite:///...) has no REST API to call: print only.
    if not run_id or not tracking_uri.startswith("http"):
        return
    body = json.dumps({"run_id": run_id, "metrics": metrics}).encode()
    request = urllib.request.Request(
        tracking_uri.rstrip("/") + "/api/2.0/mlflow/runs/log-batch",
        data=body,
        headers={"Content-Type": "application/json"},
        method="POST",
    )
    urllib.request.urlopen(request).read()


w, b = 0.0, 0.0
for epoch in range(args.epochs):
    grad_w = sum(2 * (w * x + b - y) * x for x, y in rows) / len(rows)
    grad_b = sum(2 * (w * x + b - y) for x, y in rows) / len(rows)
    w -= args.alpha * grad_w
    b -= args.alpha * grad_b
    loss = sum((w * x + b - y) ** 2 for x, y in rows) / len(rows)
    now = int(time.time() * 1000)
    log_batch([{"key": "loss", "value": loss, "timestamp": now, "step": epoch}])
    print(f"epoch {epoch}: loss={loss:.4f}")

log_batch([
    {"key": "w", "value": w, "timestamp": int(time.time() * 1000), "step": 0},
    {"key": "b", "value": b, "timestamp": int(time.time() * 1000), "step": 0},
])
print(f"fitted y = {w:.3f} * x + {b:.3f}")
