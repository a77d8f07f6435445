#!/usr/bin/env python3
# SPDX-License-Identifier: GPL-2.0
"""What a hung guest's vCPUs run, read through QEMU's human monitor.

    qemu-hang.py MONITOR-SOCKET [SYSTEM.MAP]

qemu.sh runs it when a guest outlives its TIMEOUT, before it kills QEMU:
it samples every vCPU's instruction pointer a few times and names the
kernel function of each (from System.map), so that a guest that spins in
the kernel (a CPU stuck with interrupts off, say) says where, and a QEMU
whose monitor does not answer says that QEMU itself is stuck.
"""
import bisect
import re
import socket
import sys
import time

SAMPLES = 5


def load_map(path):
    addrs, names = [], []
    try:
        with open(path) as f:
            for line in f:
                parts = line.split()
                if len(parts) == 3 and parts[1] in "tTwW":
                    addrs.append(int(parts[0], 16))
                    names.append(parts[2])
    except OSError:
        pass
    order = sorted(range(len(addrs)), key=addrs.__getitem__)
    return [addrs[i] for i in order], [names[i] for i in order]


def symbol(smap, ip):
    addrs, names = smap
    i = bisect.bisect_right(addrs, ip) - 1
    if i < 0 or ip - addrs[i] > 0x100000:
        return "user or unknown"
    return "%s+0x%x" % (names[i], ip - addrs[i])


class Monitor:
    def __init__(self, path):
        self.s = socket.socket(socket.AF_UNIX, socket.SOCK_STREAM)
        self.s.settimeout(10)
        self.s.connect(path)
        self.read_prompt()

    def read_prompt(self):
        buf = b""
        while not buf.endswith(b"(qemu) "):
            chunk = self.s.recv(65536)
            if not chunk:
                raise EOFError("monitor closed")
            buf += chunk
        return buf.decode(errors="replace")

    def cmd(self, line):
        self.s.sendall(line.encode() + b"\n")
        out = self.read_prompt()
        # The monitor echoes the command with terminal escapes.
        out = re.sub(r"\x1b\[[0-9;]*[A-Za-z]", "", out)
        return out.replace("\r", "").rsplit("(qemu) ", 1)[0]


def main():
    smap = load_map(sys.argv[2]) if len(sys.argv) > 2 else ([], [])
    try:
        mon = Monitor(sys.argv[1])
        print(mon.cmd("info status").strip().splitlines()[-1])
        for n in range(SAMPLES):
            regs = mon.cmd("info registers -a")
            ips = re.findall(r"RIP=([0-9a-f]+)", regs)
            cpl = re.findall(r"CPL=(\d)", regs)
            iflag = re.findall(r"RFL=([0-9a-f]+)", regs)
            cpus = []
            for i, ip in enumerate(ips):
                ip = int(ip, 16)
                c = cpl[i] if i < len(cpl) else "?"
                irq = "?"
                if i < len(iflag):
                    irq = "on" if int(iflag[i], 16) & 0x200 else "off"
                cpus.append("cpu%d %s (CPL %s, interrupts %s)" %
                            (i, symbol(smap, ip), c, irq))
            # arm64: "PC=...", and "PSTATE=NNNNNNNN ... EL1h" (bit 7: IRQs
            # masked).
            for i, (pc, ps, el) in enumerate(re.findall(
                    r"PC=([0-9a-f]+).*?PSTATE=([0-9a-f]+) \S+ \S*EL(\d)", regs, re.S)):
                irq = "off" if int(ps, 16) & 0x80 else "on"
                cpus.append("cpu%d %s (EL%s, interrupts %s)" %
                            (i, symbol(smap, int(pc, 16)), el, irq))
            print("sample %d: %s" % (n, "; ".join(cpus) or "no registers"))
            time.sleep(1)
    except (OSError, EOFError) as e:
        print("QEMU's monitor does not answer (%s): QEMU itself is stuck" % e)
        return 1
    return 0


if __name__ == "__main__":
    sys.exit(main())
