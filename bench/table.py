#!/usr/bin/env python3
"""The table of bench/compare.sh: medians per (guest, target, engine), speeds, ratios and their
geometric means. Usage: table.py RECORDS.tsv [MARKDOWN_FILE] [REPS] [QUICK].

RECORDS rows: guest, target, engine, repetition, seconds, cycles (cycles only for rvjit runs).
Engines: interp, jit (process wall, translation included), tr (translate-only run), tr-run (the
translate time the jit run reported itself; preferred over tr), qemu, native; in-process run
times: exec (the translated code), interp-exec, native-exec (the native build's own report).
"""
import math
import statistics
import sys
from collections import defaultdict

TARGET_SHORT = {
    "riscv32im-unknown-none-elf": "rv32im",
    "riscv32imac-unknown-none-elf": "rv32imac",
    "riscv64im-unknown-none-elf": "rv64im",
    "riscv64imac-unknown-none-elf": "rv64imac",
}

def main():
    records = sys.argv[1]
    md_path = sys.argv[2] if len(sys.argv) > 2 and sys.argv[2] else None
    reps = sys.argv[3] if len(sys.argv) > 3 else "?"
    quick = len(sys.argv) > 4 and sys.argv[4] == "1"

    times = defaultdict(list)  # (guest, target, engine) -> [seconds]
    cycles = {}
    order = []
    with open(records) as f:
        for line in f:
            parts = line.rstrip("\n").split("\t")
            if len(parts) < 5:
                continue
            guest, target, engine, _rep, secs = parts[:5]
            key = (guest, target)
            if key not in order and not guest.startswith("_"):
                order.append(key)
            times[(guest, target, engine)].append(float(secs))
            if len(parts) > 5 and parts[5] not in ("", "None"):
                cycles[key] = int(parts[5])

    def med(g, t, e):
        v = times.get((g, t, e))
        return statistics.median(v) if v else None

    rows = []
    noisy = set()
    ratios = defaultdict(lambda: defaultdict(list))  # ratio name -> target -> [values]
    for g, t in order:
        c = cycles.get((g, t))
        interp, jit, qemu, native = (med(g, t, e) for e in ("interp", "jit", "qemu", "native"))
        interp_exec, native_exec = med(g, t, "interp-exec"), med(g, t, "native-exec")
        # Run time against run time: process start-up is a few ms, most of a short guest's
        # process time. Without an in-process time there is no ratio.
        # qemu's process time less its start-up on a trivial guest: an estimate of its run.
        qemu_start = med("_qemu_start", t, "qemu-start")
        qemu_run = qemu - qemu_start if qemu and qemu_start is not None else None
        tr = med(g, t, "tr-run")
        if tr is None:
            tr = med(g, t, "tr")
        exe = med(g, t, "exec")
        measured = exe is not None
        jit_in = med(g, t, "jit-in")
        if exe is None and jit_in is not None and tr is not None:
            # Medians of separate runs (in-process times, so process start-up cancels out).
            exe = jit_in - tr
        if not measured and exe is not None and jit_in is not None and exe < max(0.05 * jit_in, 1e-3):
            # Below the noise of the translate-time measurement: no meaningful ratio.
            exe = None
            noisy.add((g, t))
        r = {
            "jit/native": exe / native_exec if exe and native_exec else None,
            "qemu/jit": qemu / exe if exe and qemu else None,
            "qemu-start/jit": qemu_run / exe if exe and qemu_run and qemu_run > 0 else None,
            "qemu/jit+tr": qemu / jit if jit and qemu else None,
            "interp/jit": interp_exec / exe if exe and interp_exec else None,
        }
        for name, v in r.items():
            if v is not None:
                ratios[name][t].append(v)
                ratios[name]["all"].append(v)
        rows.append({
            "guest": g, "target": TARGET_SHORT.get(t, t), "cycles": c,
            "interp": interp, "interp_exec": interp_exec, "jit": jit, "tr": tr, "exec": exe,
            "qemu": qemu, "native": native, "native_exec": native_exec,
            "interp_mips": c / interp_exec / 1e6 if c and interp_exec else None,
            "jit_mips": c / exe / 1e6 if c and exe else None,
            **r,
        })

    cols = [
        ("guest", "guest", "s"), ("target", "target", "s"), ("cycles", "Mcycles", "m"),
        ("interp", "interp s", "t"), ("interp_exec", "interp exec s", "t"), ("jit", "jit s", "t"),
        ("tr", "translate s", "t"), ("exec", "jit exec s", "t"), ("qemu", "qemu s", "t"),
        ("native", "native s", "t"), ("native_exec", "native exec s", "t"),
        ("interp_mips", "interp MIPS", "f"), ("jit_mips", "jit MIPS", "f"),
        ("jit/native", "jit/native", "r"), ("qemu/jit", "qemu/jit", "r"),
        ("qemu-start/jit", "(qemu-start)/jit", "r"),
        ("qemu/jit+tr", "qemu/(jit+tr)", "r"), ("interp/jit", "interp/jit", "r"),
    ]

    def fmt(v, kind, key):
        if v is None:
            return "pending" if key in ("jit", "exec") else "-"
        if kind == "s":
            return str(v)
        if kind == "m":
            return f"{v / 1e6:.2f}"
        if kind == "t":
            return f"{v:.3g}" if v < 1 else f"{v:.3f}"
        if kind == "f":
            return f"{v:.0f}" if v >= 10 else f"{v:.2f}"
        return f"{v:.2f}"

    table = [[fmt(row[k], kind, k) for k, _, kind in cols] for row in rows]
    # Engines killed by --timeout: ">N" instead of a time.
    col_of = {k: i for i, (k, _, _) in enumerate(cols)}
    engine_col = {"interp": col_of["interp"], "jit": col_of["jit"], "tr": col_of["tr"],
                  "qemu": col_of["qemu"], "native": col_of["native"]}
    for line, (g, t) in zip(table, order):
        for e, i in engine_col.items():
            v = times.get((g, t, "timeout:" + e))
            if v and times.get((g, t, e if e != "jit" else "jit")) is None:
                line[i] = f">{v[0]:.0f}"
                if e in ("jit", "tr"):
                    line[col_of["exec"]] = "-"
    for line, row in zip(table, rows):
        if (row["guest"], [t for t in TARGET_SHORT if TARGET_SHORT[t] == row["target"]][0] if row["target"] in TARGET_SHORT.values() else row["target"]) in noisy:
            line[col_of["exec"]] = "<noise"
    geo = []
    targets = sorted({t for name in ratios for t in ratios[name] if t != "all"})
    for t in targets + ["all"]:
        label = TARGET_SHORT.get(t, t)
        first_ratio = col_of["jit/native"]
        line = [f"geomean ({label})"] + [""] * (first_ratio - 1)
        for k, _, _ in cols[first_ratio:]:
            v = ratios[k].get(t)
            line.append(f"{math.exp(sum(map(math.log, v)) / len(v)):.2f} (n={len(v)})" if v else "-")
        geo.append(line)

    head = [h for _, h, _ in cols]
    widths = [max(len(x) for x in col) for col in zip(head, *table, *geo)]
    def text_line(cells):
        return "  ".join(c.rjust(w) if i >= 2 else c.ljust(w) for i, (c, w) in enumerate(zip(cells, widths)))
    print(text_line(head))
    for line in table + geo:
        print(text_line(line))
    legend = (
        f"Medians of {reps} interleaved repetition(s){' (--quick: smallest inputs)' if quick else ''}. "
        "interp/jit/qemu/native s: process wall time; translate: translation only; "
        "jit exec = run time of the translated code (benches/jit_split.rs: translate and run timed "
        "separately in one process; without it estimated as jit minus translate, <noise when too "
        "short to separate; left out of ratios); interp exec, native exec = in-process run time of "
        "the interpreter (rvjit's wall_seconds) and of the host-native build (its "
        "RVJIT_NATIVE_TIMING report), both without process start-up, ELF or input loading. "
        "MIPS = guest instructions (cycles) per second of interp exec / jit exec time. "
        "jit/native and interp/jit compare those run times; qemu/jit divides qemu's process "
        "time (its translation and start-up included; it has no in-process split) by jit exec, "
        "(qemu-start)/jit takes qemu's start-up off first (the median time of qemu on "
        "fibonacci's small input for that target), qemu/(jit+tr) divides qemu's process time by "
        "the whole jit process. qemu runs only the soft variants (the -accel guests use project "
        "ecalls)."
    )
    starts = sorted({t for (g, t, e) in times if g == "_qemu_start"})
    if starts:
        legend += " qemu start-up (median, fibonacci small): " + ", ".join(
            f"{TARGET_SHORT.get(t, t)} {med('_qemu_start', t, 'qemu-start'):.4f} s" for t in starts
        ) + "."
    print(legend)

    if md_path:
        with open(md_path, "w") as f:
            f.write("| " + " | ".join(head) + " |\n")
            f.write("|" + "|".join("---" if i < 2 else "---:" for i in range(len(head))) + "|\n")
            for line in table:
                f.write("| " + " | ".join(line) + " |\n")
            for line in geo:
                f.write("| **" + line[0] + "** | " + " | ".join(line[1:]) + " |\n")
            f.write("\n" + legend + "\n")

if __name__ == "__main__":
    main()
