#!/usr/bin/env python3
# SPDX-License-Identifier: GPL-2.0
"""Check that Documentation/netlink/specs/nf_hairpin.yaml agrees with
uapi/linux/nf_hairpin.h: every enum name and value, both ways.

    python3 scripts/ynl_check.py [SPEC HEADER]

Run by scripts/check.sh (the ynl-spec check).

Exit 0 if they agree, 1 (listing the differences) if not.
"""
import os
import re
import sys

import yaml

root = os.path.join(os.path.dirname(os.path.abspath(__file__)), "..")
spec_path = sys.argv[1] if len(sys.argv) > 2 else \
    os.path.join(root, "Documentation/netlink/specs/nf_hairpin.yaml")
hdr_path = sys.argv[2] if len(sys.argv) > 2 else \
    os.path.join(root, "uapi/linux/nf_hairpin.h")


def c_name(prefix, name):
    return (prefix + name).upper().replace("-", "_")


def header_enums(text):
    """{enum name: {constant: value}} and {#define name: value}."""
    text = re.sub(r"/\*.*?\*/", "", text, flags=re.S)
    enums = {}
    for m in re.finditer(r"enum\s+(\w+)\s*{(.*?)}", text, re.S):
        vals, nxt = {}, 0
        for item in m.group(2).split(","):
            item = item.strip()
            if not item:
                continue
            name, _, expr = item.partition("=")
            name = name.strip()
            if expr.strip():
                nxt = eval(expr.strip().replace("U", ""), {}, dict(vals))
            vals[name] = nxt
            nxt += 1
        enums[m.group(1)] = vals
    defines = dict(re.findall(r"#define[ \t]+(\w+)[ \t]+(\S+)", text))
    return enums, defines


def spec_constants(spec):
    """[(enum in the header, {constant: value})] from the spec."""
    out = []
    for d in spec.get("definitions", []):
        prefix = d["name-prefix"]
        vals = {}
        for i, e in enumerate(d["entries"]):
            vals[c_name(prefix, e)] = (1 << i) if d["type"] == "flags" else i
        out.append((d["name"], vals))
    for s in spec["attribute-sets"]:
        if "subset-of" in s:
            continue
        prefix, vals, nxt = s["name-prefix"], {}, 1
        vals[c_name(prefix, "unspec")] = 0
        for a in s["attributes"]:
            nxt = a.get("value", nxt)
            vals[c_name(prefix, a["name"])] = nxt
            nxt += 1
        out.append((prefix, vals))
    ops = spec["operations"]
    vals, nxt = {c_name(ops["name-prefix"], "unspec"): 0}, 1
    for o in ops["list"]:
        nxt = o.get("value", nxt)
        vals[c_name(ops["name-prefix"], o["name"])] = nxt
        nxt += 1
    out.append((ops["name-prefix"], vals))
    return out


def main():
    with open(spec_path) as f:
        spec = yaml.safe_load(f)
    with open(hdr_path) as f:
        enums, defines = header_enums(f.read())
    consts = {}
    for vals in enums.values():
        consts.update(vals)
    errors = []
    spec_names = set()
    for where, vals in spec_constants(spec):
        for name, val in vals.items():
            spec_names.add(name)
            if name not in consts:
                errors.append("%s: %s not in the header" % (where, name))
            elif consts[name] != val:
                errors.append("%s: %s is %d in the spec, %d in the header"
                              % (where, name, val, consts[name]))
    # Everything in the header that is not a count/limit must be in the spec.
    for name in consts:
        if name.startswith("__") or name.endswith("_MAX") or \
                name.endswith("_ALL"):
            continue
        if name not in spec_names:
            errors.append("header: %s not in the spec" % name)
    if defines.get("NFHP_GENL_NAME", "").strip('"') != spec["name"]:
        errors.append("family name differs")
    groups = [g["name"] for g in spec["mcast-groups"]["list"]]
    if defines.get("NFHP_MCGRP_EVENTS", "").strip('"') not in groups:
        errors.append("multicast group NFHP_MCGRP_EVENTS not in the spec")
    for e in errors:
        print("ynl_check: " + e)
    print("ynl_check: %d constants compared, %d differences"
          % (len(spec_names), len(errors)))
    return 1 if errors else 0


if __name__ == "__main__":
    sys.exit(main())
