"""The machine a benchmark runs on, printed beside its figures: CPU model, cores and widest
vector instructions. ONNX Runtime's kernels follow the instruction set, so the same OCR code
costs a third less a page on an AVX-512 EPYC than on an AVX2 one (docs/OPERATING.md, OCR)."""

from __future__ import annotations

import os
from pathlib import Path

CPUINFO = Path("/proc/cpuinfo")


def _first_cpu() -> dict[str, str]:
    """The fields /proc/cpuinfo gives for the first processor (empty where there is none)."""
    try:
        block = CPUINFO.read_text().split("\n\n", 1)[0]
    except OSError:
        return {}
    fields = (line.split(":", 1) for line in block.splitlines() if ":" in line)
    return {key.strip(): value.strip() for key, value in fields}


def vector_level(flags: set[str]) -> str:
    """The widest SIMD level among a CPU's flags, and whether it has integer dot products (VNNI)."""
    level = next((name for flag, name in (("avx512f", "AVX-512"), ("avx2", "AVX2"), ("sse4_2", "SSE4.2"))
                  if flag in flags), "no SSE4.2")
    return level + (" with VNNI" if flags & {"avx512_vnni", "avx_vnni"} else "")


def describe() -> str:
    """One line naming this machine's CPU, e.g. "AMD EPYC (family 25, model 17), 2 cores, AVX-512 with VNNI"."""
    cpu = _first_cpu()
    name = cpu.get("model name", "unknown CPU")
    if "cpu family" in cpu:
        name += f" (family {cpu['cpu family']}, model {cpu.get('model', '?')})"
    return f"{name}, {os.cpu_count()} cores, {vector_level(set(cpu.get('flags', '').split()))}"


if __name__ == "__main__":
    print(describe())
