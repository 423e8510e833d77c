#!/usr/bin/env python3
# SPDX-License-Identifier: GPL-2.0-or-later
"""Plots and tables from one run of tests/bench.sh.

    bench-report.py [--docs DOCS] DATA

DATA is what bench.sh wrote: meta, runs (name group smp exit seconds, one
boot a line) and, per boot, NAME/tap, NAME/GROUP.figures, NAME/GROUP.log.txt.
Writes gnuplot data and scripts and the SVG plots into DATA/plot/; with
--docs, copies the plots into DOCS/img/ and rewrites the tables of
DOCS/results.md between <!-- bench:NAME --> and <!-- /bench -->.

Fails (exit 1, nothing written) when a boot the plots need did not
complete or a figure is missing; exits 3 after writing when a scaling
boot did not complete (its row says why, the plot leaves it out).
"""
import os
import re
import shutil
import subprocess
import sys

NOISE = [("noise-none", "none"), ("noise-boot", "boot"), ("noise-runtime", "runtime")]
NOISE_KINDS = [("loc_per_s", "local timer IRQ/s"), ("irq_per_s", "all IRQ/s"),
               ("timer_softirq_per_s", "TIMER softirq/s"),
               ("rcu_softirq_per_s", "RCU softirq/s")]
WINDOWS = [("quiet", "quiet"), ("busy", "CPU 2 isolated and released 20 times"),
           ("cycle", "CPU 2 offline and online 20 times (stop_machine)")]
IMAGES = ["bench-noise.svg", "bench-transition.svg", "bench-scaling.svg"]


class Missing(Exception):
    pass


def die(msg):
    print(f"bench-report: {msg}", file=sys.stderr)
    sys.exit(1)


def keyvals(path):
    out = {}
    with open(path) as f:
        for line in f:
            line = line.rstrip("\n")
            if "=" in line:
                k, v = line.split("=", 1)
                out[k] = v
    return out


class Boot:
    def __init__(self, data, name, group, smp, rc, secs):
        self.name, self.group, self.smp = name, group, int(smp)
        self.rc, self.secs = int(rc), int(secs)
        d = os.path.join(data, name)
        self.tap = open(os.path.join(d, "tap")).read().splitlines() \
            if os.path.exists(os.path.join(d, "tap")) else []
        self.failures = [l for l in self.tap if l.startswith("not ok")]
        self.completed = any(re.match(rf"ok \d+ - {re.escape(group)}/completed$", l)
                             for l in self.tap)
        fpath = os.path.join(d, f"{group}.figures")
        self.fig = keyvals(fpath) if os.path.exists(fpath) else {}
        self.kernel = ""
        lpath = os.path.join(d, f"{group}.log.txt")
        if os.path.exists(lpath):
            with open(lpath, errors="replace") as f:
                for line in f:
                    m = re.match(r"CPUISO-BOOTED kernel=(\S+)", line)
                    if m:
                        self.kernel = m.group(1)
                        break

    def why(self):
        """Why this boot gave no figures, from its TAP."""
        for l in self.failures:
            if "/completed" in l or "/boot" in l:
                return re.sub(r"^not ok \d+ - ", "", l)
        return f"run-guest.sh exited {self.rc}" if self.rc else "no figures"

    def get(self, key):
        v = self.fig.get(key, "")
        if not re.fullmatch(r"-?\d+(\.\d+)?", v):
            raise Missing(f"{self.name}: figure '{key}' missing or not a number"
                          f" ({v!r}; see {self.name}/{self.group}.figures)")
        return v

    def num(self, key):
        return float(self.get(key))


def load(data):
    path = os.path.join(data, "runs")
    if not os.path.exists(path):
        die(f"{path}: no such file (not a tests/bench.sh data directory)")
    boots = {}
    for line in open(path):
        f = line.split()
        if len(f) != 5:
            die(f"{path}: bad line {line!r}")
        boots[f[0]] = Boot(data, *f)
    return boots


def need(boots, name):
    b = boots.get(name)
    if b is None:
        die(f"boot '{name}' is not in this run")
    if not b.completed:
        die(f"boot '{name}' did not complete: {b.why()}")
    return b


def fmt(x, d=2):
    return f"{x:.{d}f}"


def gnuplot(script, cwd):
    r = subprocess.run(["gnuplot", script], cwd=cwd, capture_output=True, text=True)
    if r.returncode != 0 or r.stderr.strip():
        die(f"gnuplot {script} failed: {r.stderr.strip()}")


def main():
    args = sys.argv[1:]
    docs = None
    if len(args) >= 2 and args[0] == "--docs":
        docs = args[1]
        args = args[2:]
    if len(args) != 1:
        die("usage: bench-report.py [--docs DOCS] DATA")
    data = os.path.abspath(args[0])
    top = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))
    meta = keyvals(os.path.join(data, "meta"))
    boots = load(data)

    try:
        noise = [(need(boots, n), label) for n, label in NOISE]
        t4 = need(boots, "smp4")
        scale = sorted((b for b in boots.values() if b.group == "bench"),
                       key=lambda b: b.smp)
        measured = [b for b in scale if b.completed]
        lost = [b for b in scale if not b.completed]
        # every figure is read here, before anything is written
        nv = {(b.name, k): b.get(k) for b, _ in noise for k, _ in NOISE_KINDS}
        for b, _ in noise:
            b.get("seconds")
        tkeys = ["reps", "first_isolate_ms", "isolate_ms_mean", "release_ms_mean",
                 "offline_ms_mean", "online_ms_mean", "cycle_ratio",
                 "cycle_ratio_min", "cycle_ratio_max", "getpid_ns_cpu1_before",
                 "getpid_ns_cpu1_isolated", "getpid_ns_cpu1_released",
                 "stopper_runs_quiet", "stopper_runs_transitions",
                 "stopper_runs_offline_cycles", "stopper_runs_cpu3_transitions",
                 "stopper_runs_cpu3_offline_cycles"]
        tkeys += [f"cpu3_{w}_{k}" for w, _ in WINDOWS
                  for k in ("irq_total", "LOC", "CAL", "RES", "TLB", "softirq_total")]
        for b in measured:
            for k in tkeys:
                b.get(k)
    except Missing as e:
        die(str(e))
    if len(measured) < 2:
        die("fewer than two vCPU counts measured, no scaling to draw")

    groups = {}
    for line in open(os.path.join(top, "tests/vm/groups.conf")):
        if "|" in line and not line.startswith("#"):
            f = [x.strip() for x in line.split("|")]
            groups[f[0]] = f[1]
    bootline = groups.get("bench-noise-boot", "?")

    pd = os.path.join(data, "plot")
    os.makedirs(pd, exist_ok=True)

    # (a) noise by kind, three setups
    with open(os.path.join(pd, "noise.dat"), "w") as f:
        f.write("# kind none boot runtime (per second, CPU 2)\n")
        for k, label in NOISE_KINDS:
            tic = label.replace(" ", "\\n", 1)
            f.write(f'"{tic}" '
                    + " ".join(nv[(b.name, k)] for b, _ in noise) + "\n")
    # (b) one cycle at 4 vCPUs; the bystander's windows
    with open(os.path.join(pd, "cycle.dat"), "w") as f:
        f.write("# cycle first-half-ms second-half-ms (4 vCPUs, mean)\n")
        f.write(f'"isolate+release" {t4.get("isolate_ms_mean")} {t4.get("release_ms_mean")}\n')
        f.write(f'"offline+online" {t4.get("offline_ms_mean")} {t4.get("online_ms_mean")}\n')
    stop_key = {"quiet": "stopper_runs_quiet", "busy": "stopper_runs_transitions",
                "cycle": "stopper_runs_offline_cycles"}
    wlabel = {"quiet": "quiet", "busy": "transitions", "cycle": "offline cycles"}
    with open(os.path.join(pd, "bystander.dat"), "w") as f:
        f.write("# window cpu3-irqs stopper-runs-other-cpus (4 vCPUs, 8 s)\n")
        for w, _ in WINDOWS:
            f.write(f'"{wlabel[w]}" {t4.get(f"cpu3_{w}_irq_total")} {t4.get(stop_key[w])}\n')
    # (c) scaling
    with open(os.path.join(pd, "scaling.dat"), "w") as f:
        f.write("# vcpus ratio min max cpu3-busy/quiet cpu3-cycle/quiet\n")
        for b in measured:
            q = max(b.num("cpu3_quiet_irq_total"), 1)
            f.write(f'{b.smp} {b.get("cycle_ratio")} {b.get("cycle_ratio_min")} '
                    f'{b.get("cycle_ratio_max")} '
                    f'{b.num("cpu3_busy_irq_total") / q:.3f} '
                    f'{b.num("cpu3_cycle_irq_total") / q:.3f}\n')

    common = ('set terminal svg size 1000,500 font "sans,12" background "white"\n'
              'set style fill solid 0.85 border -1\n'
              'set grid ytics lc "gray80"\n'
              'set border 3\nset tics nomirror\nset key below\n'
              'set offsets 0, 0, graph 0.12, 0\n')
    with open(os.path.join(pd, "noise.gp"), "w") as f:
        f.write(common + f'''set output "bench-noise.svg"
set multiplot layout 1,2 title "A user-space spin on CPU 2, {noise[0][0].num("seconds"):.0f} s, 4 vCPUs: interruptions per second"
set key inside top right
set bmargin 4
set style data histograms
set style histogram clustered gap 1
set yrange [0:*]
set title "none, boot-time and runtime isolation"
plot "noise.dat" using 2:xtic(1) title "none" lc "#d62728", \\
     "" using 3 title "boot" lc "#1f77b4", \\
     "" using 4 title "runtime" lc "#2ca02c", \\
     "" using ($0-0.25):2:(sprintf("%.1f",$2)) with labels offset 0,0.6 font ",9" notitle
set title "isolated: boot-time and runtime (zoom)"
set style histogram clustered gap 1
set yrange [0:*]
plot "noise.dat" using 3:xtic(1) title "boot" lc "#1f77b4", \\
     "" using 4 title "runtime" lc "#2ca02c", \\
     "" using ($0-1.0/6):3:(sprintf("%g",$3)) with labels offset 0,0.6 font ",9" notitle, \\
     "" using ($0+1.0/6):4:(sprintf("%g",$4)) with labels offset 0,0.6 font ",9" notitle
unset multiplot
''')
    with open(os.path.join(pd, "transition.gp"), "w") as f:
        f.write(common + f'''set output "bench-transition.svg"
set multiplot layout 1,2 title "CPU 2 in a 4-vCPU guest, TCG: transition against a plain offline/online cycle"
set style data histograms
set style histogram rowstacked
set boxwidth 0.5
set yrange [0:*]
set ylabel "ms, mean of {t4.get("reps")}"
set title "one cycle (ratio {t4.get("cycle_ratio")})"
plot "cycle.dat" using 2:xtic(1) title "isolate / offline" lc "#1f77b4", \\
     "" using 3 title "release / online" lc "#aec7e8"
set style histogram clustered gap 1
set boxwidth 0.9 relative
set xtics font ",10"
set ylabel "count in 8 s"
set title "isolated CPU 3 spinning 8 s, while CPU 2 makes 20 ..."
plot "bystander.dat" using 2:xtic(1) title "interrupts on CPU 3" lc "#ff7f0e", \\
     "" using 3 title "stopper runs, other CPUs" lc "#7f7f7f", \\
     "" using ($0-1.0/6):2:(sprintf("%d",$2)) with labels offset 0,0.6 font ",9" notitle, \\
     "" using ($0+1.0/6):3:(sprintf("%d",$3)) with labels offset 0,0.6 font ",9" notitle
unset multiplot
''')
    xt = ", ".join(f'"{b.smp}" {b.smp}' for b in scale)
    gone = "; ".join(f"{b.smp} vCPUs not measured" for b in lost)
    with open(os.path.join(pd, "scaling.gp"), "w") as f:
        f.write(common + f'''set output "bench-scaling.svg"
set multiplot layout 1,2 title "Scaling with the guest's vCPUs (TCG, one host thread){": " + gone if gone else ""}"
set logscale x 2
set xrange [{min(b.smp for b in scale) / 1.4}:{max(b.smp for b in scale) * 1.4}]
set xtics ({xt})
set xtics format ""
set key below vertical maxcols 1
set title "(isolate + release) / (offline + online), by vCPUs"
set yrange [0:*]
plot "scaling.dat" using 1:2:3:4 with yerrorlines lw 2 pt 7 lc "#1f77b4" title "ratio of the means (bars: lowest, highest repetition)", \\
     1 with lines dt 2 lc "gray40" title "same cost", \\
     0.5 with lines dt 3 lc "#d62728" title "half (the issue's goal)"
set title "isolated CPU 3's interrupts to a quiet 8 s, by vCPUs"
set ylabel "ratio to quiet"
set logscale y
set yrange [0.5:*]
plot "scaling.dat" using 1:5 with linespoints lw 2 pt 7 lc "#2ca02c" title "CPU 2 isolated and released 20 times", \\
     "" using 1:6 with linespoints lw 2 pt 5 lc "#d62728" title "CPU 2 offline and online 20 times", \\
     1 with lines dt 2 lc "gray40" notitle
unset multiplot
''')
    for g in ("noise.gp", "transition.gp", "scaling.gp"):
        gnuplot(g, pd)

    # the tables
    tables = {}
    kernels = sorted({b.kernel for b in boots.values() if b.kernel})
    rows = ["| boot | group | vCPUs | seconds | result |", "|---|---|---:|---:|---|"]
    for b in boots.values():
        res = "ok" if b.completed and not b.failures else \
            "; ".join(re.sub(r"^not ok \d+ - ", "", l) for l in b.failures) or b.why()
        rows.append(f"| {b.name} | {b.group} | {b.smp} | {b.secs} | {res} |")
    total = sum(b.secs for b in boots.values())
    env = meta.get("env", "").strip()
    tables["run"] = "\n".join([
        "    " + (env + " " if env else "") + meta.get("command", "tests/bench.sh"), "",
        f"Run of {meta.get('date', '?')} (UTC), commit {meta.get('commit', '?')}, "
        f"kernel {', '.join(kernels) or '?'} ({meta.get('variant', '?')} variant), "
        f"TCG on {meta.get('host_cpus', '?')} host CPUs, load average "
        f"{meta.get('host_load_start', '?')} at the start and "
        f"{meta.get('host_load_end', '?')} at the end; {len(boots)} boots, "
        f"{total} s in all:", ""] + rows)

    rows = ["| setup | " + " | ".join(l for _, l in NOISE_KINDS) + " | window, s |",
            "|---|" + "---:|" * (len(NOISE_KINDS) + 1)]
    names = {"none": "none", "boot": f"boot: `{bootline}`",
             "runtime": "runtime, no boot parameter: `echo isolated > cpu2/state`"}
    for b, label in noise:
        rows.append(f"| {names[label]} | " + " | ".join(nv[(b.name, k)] for k, _ in NOISE_KINDS)
                    + f" | {b.get('seconds')} |")
    tables["noise"] = "\n".join(rows)

    reps = t4.get("reps")
    rows = ["| figure, 4 vCPUs | value |", "|---|---:|",
            f"| first isolation of CPU 2 (RCU offload through a full offline), ms | {t4.get('first_isolate_ms')} |",
            f"| isolate (`echo isolated > cpu2/state`), mean of {reps}, ms | {t4.get('isolate_ms_mean')} |",
            f"| release (`echo online > cpu2/state`), mean of {reps}, ms | {t4.get('release_ms_mean')} |",
            f"| plain offline (`echo 0 > cpu2/online`), mean of {reps}, ms | {t4.get('offline_ms_mean')} |",
            f"| plain online (`echo 1 > cpu2/online`), mean of {reps}, ms | {t4.get('online_ms_mean')} |",
            f"| **(isolate + release) / (offline + online)** | **{t4.get('cycle_ratio')}** |",
            f"| the same, per repetition, lowest / highest | {t4.get('cycle_ratio_min')} / {t4.get('cycle_ratio_max')} |",
            f"| getpid() on CPU 1, ns: before any isolation / CPU 3 isolated / released | "
            f"{t4.get('getpid_ns_cpu1_before')} / {t4.get('getpid_ns_cpu1_isolated')} / "
            f"{t4.get('getpid_ns_cpu1_released')} |"]
    tables["transition"] = "\n".join(rows)

    rows = ["| 8 s on isolated CPU 3, 4 vCPUs | all IRQs | local timer | call-function IPI "
            "| resched IPI | TLB | softirqs | stopper runs, CPUs 0, 1, 3 | stopper runs, CPU 3 |",
            "|---|---:|---:|---:|---:|---:|---:|---:|---:|"]
    cpu3stop = {"quiet": "", "busy": t4.get("stopper_runs_cpu3_transitions"),
                "cycle": t4.get("stopper_runs_cpu3_offline_cycles")}
    for w, label in WINDOWS:
        rows.append(f"| {label} | " + " | ".join(
            t4.get(f"cpu3_{w}_{k}") for k in ("irq_total", "LOC", "CAL", "RES", "TLB", "softirq_total"))
            + f" | {t4.get(stop_key[w])} | {cpu3stop[w]} |")
    tables["bystander"] = "\n".join(rows)

    rows = ["| vCPUs | reps | isolate + release, ms | offline + online, ms | ratio | per repetition, lowest / highest "
            "| CPU 3 IRQs in 8 s: quiet / transitions / offline cycles "
            "| stopper runs, CPUs but 2: quiet / transitions / offline cycles | stopper runs of CPU 3 during transitions |",
            "|---:|---:|---:|---:|---:|---|---|---|---:|"]
    for b in scale:
        if not b.completed:
            rows.append(f"| {b.smp} | | | | | not measured: {b.why()} | | | |")
            continue
        rows.append(
            f"| {b.smp} | {b.get('reps')} | {fmt(b.num('isolate_ms_mean') + b.num('release_ms_mean'), 1)} "
            f"| {fmt(b.num('offline_ms_mean') + b.num('online_ms_mean'), 1)} | **{b.get('cycle_ratio')}** "
            f"| {b.get('cycle_ratio_min')} / {b.get('cycle_ratio_max')} "
            f"| {b.get('cpu3_quiet_irq_total')} / {b.get('cpu3_busy_irq_total')} / {b.get('cpu3_cycle_irq_total')} "
            f"| {b.get('stopper_runs_quiet')} / {b.get('stopper_runs_transitions')} / {b.get('stopper_runs_offline_cycles')} "
            f"| {b.get('stopper_runs_cpu3_transitions')} |")
    tables["scaling"] = "\n".join(rows)

    for name, text in tables.items():
        with open(os.path.join(pd, f"{name}.md"), "w") as f:
            f.write(text + "\n")
    print(f"bench-report: plots and tables in {pd}")
    for b in scale:
        print(f"bench-report: {b.smp} vCPUs: cycle ratio "
              + (b.get("cycle_ratio") if b.completed else f"not measured ({b.why()})"))

    if docs:
        md = os.path.join(docs, "results.md")
        text = open(md).read()
        for name, body in tables.items():
            pat = re.compile(rf"(<!-- bench:{name} -->\n).*?(<!-- /bench -->)", re.S)
            if not pat.search(text):
                die(f"{md}: no <!-- bench:{name} --> ... <!-- /bench --> to rewrite")
            text = pat.sub(lambda m: m.group(1) + body + "\n" + m.group(2), text)
        os.makedirs(os.path.join(docs, "img"), exist_ok=True)
        for img in IMAGES:
            shutil.copy(os.path.join(pd, img), os.path.join(docs, "img", img))
        with open(md, "w") as f:
            f.write(text)
        print(f"bench-report: {md} and {docs}/img/ rewritten")
    if lost:
        print("bench-report: not measured: " + "; ".join(f"{b.smp} vCPUs ({b.why()})" for b in lost),
              file=sys.stderr)
        sys.exit(3)


if __name__ == "__main__":
    main()
