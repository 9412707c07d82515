"""Extract the ML.ENERGY leaderboard v3 measurements that validate the estimator (GPU to GPU).

Input: a checkout of github.com/ml-energy/leaderboard (its public/data/models/*.json, the
data behind https://ml.energy/leaderboard; published figures, cited as mlenergy-v3-data).
Output: mlenergy_v3.csv beside this script, one row per (model, task, GPU, batch) for
  - LLM chat (lm-arena-chat) and reasoning (gpqa): GPU energy per output token (J), at each
    measured maximum batch size, on H100 and B200;
  - text-to-image: GPU energy per image (J) at the measured steps and size, batch 1.

Run: python data/emission_factors/tools/extract_mlenergy_v3.py PATH/TO/leaderboard
"""

from __future__ import annotations

import csv
import json
import sys
from pathlib import Path

FIELDS = [
    "model_id", "task", "gpu_model", "num_gpus", "batch", "weight_precision", "total_params_b", "active_params_b",
    "energy_per_token_j", "avg_output_len", "energy_per_image_j", "inference_steps", "image_pixels",
]


def rows(models_dir: Path) -> list[dict[str, object]]:
    out: list[dict[str, object]] = []
    for path in sorted(models_dir.glob("*.json")):
        doc = json.loads(path.read_text(encoding="utf-8"))
        task = doc.get("task") or path.stem.rsplit("__", 1)[-1]
        if task not in ("lm-arena-chat", "gpqa", "text-to-image"):
            continue
        base = {
            "model_id": doc.get("model_id") or path.stem.rsplit("__", 1)[0].replace("__", "/"),
            "task": task,
            "weight_precision": doc.get("weight_precision", ""),
            "total_params_b": doc.get("total_params_billions", ""),
            "active_params_b": doc.get("activated_params_billions", ""),
        }
        for c in doc["configurations"]:
            row = {**base, "gpu_model": c["gpu_model"], "num_gpus": c.get("num_gpus", 1)}
            if task == "text-to-image":
                if c.get("batch_size") != 1:
                    continue
                row |= {
                    "batch": 1,
                    "energy_per_image_j": round(c["energy_per_image_joules"], 2),
                    "inference_steps": c.get("inference_steps", ""),
                    "image_pixels": c.get("image_width", 0) * c.get("image_height", 0),
                }
            else:
                row |= {
                    "batch": c["max_num_seqs"],
                    "energy_per_token_j": round(c["energy_per_token_joules"], 5),
                    "avg_output_len": round(c.get("avg_output_len", 0.0), 1),
                }
            out.append(row)
    return out


def main() -> None:
    root = Path(sys.argv[1]) if len(sys.argv) > 1 else Path("leaderboard")
    found = rows(root / "public" / "data" / "models")
    target = Path(__file__).with_name("mlenergy_v3.csv")
    with target.open("w", newline="", encoding="utf-8") as f:
        writer = csv.DictWriter(f, fieldnames=FIELDS, lineterminator="\n")
        writer.writeheader()
        writer.writerows(found)
    print(f"{len(found)} rows -> {target}")


if __name__ == "__main__":
    main()
