"""Print the values a chapter glued (name = value), from an executed notebook.

Usage: python tools/glued.py _build/executed/book/02_kappa.ipynb
"""

import json
import sys


def glued(path):
    nb = json.load(open(path))
    for cell in nb["cells"]:
        for out in cell.get("outputs", []):
            name = out.get("metadata", {}).get("scrapbook", {}).get("name")
            if name:
                data = {k.split("/", 2)[-1] if k.startswith("application/papermill.record/") else k: v
                        for k, v in out.get("data", {}).items()}
                yield name, "<figure>" if "image/png" in data else "".join(data.get("text/plain", ""))


if __name__ == "__main__":
    for name, value in glued(sys.argv[1]):
        print(f"{name:24s} {value}")
