#!/usr/bin/env python3
"""Grade a scan against the estate simulator's answer key (truth JSONL).

  bench_grade.py truth.jsonl CIDR camaudit devices.jsonl
  bench_grade.py truth.jsonl CIDR nmap scan.xml

Only truth records inside CIDR count, less its network and broadcast
addresses (camaudit, like most scanners, leaves those out of a CIDR, so a
/24 cut from a larger estate would otherwise count a device it never
scanned). For each address the tool names at
most one manufacturer:
  camaudit: the device's `manufacturer`;
  nmap:     the maker its service/product strings name (MAKERS below: a
            plain reading of the product text, e.g. "Hikvision IP camera
            httpd" -> hikvision, "uc-httpd" or the xiongmai CPE -> xiongmai);
            an OEM brand nmap prints (Amcrest, Lorex) names the label, not
            the maker, so it is not mapped to dahua.
Prints one JSON object: precision (right maker / makers named), recall
(covered devices with the right maker / covered devices), covered_flagged
(covered devices given any covered maker), trusted_called_covered,
decoys_called_cameras (camaudit only).
"""
import ipaddress
import json
import re
import sys
import xml.etree.ElementTree as ET

COVERED = {"hikvision", "ezviz", "dahua", "imou", "uniview", "tvt", "tiandy", "xiongmai", "huawei"}
# nmap product/CPE text -> maker. First match wins per string.
MAKERS = [
    (re.compile(r"hikvision", re.I), "hikvision"),
    (re.compile(r"dahua", re.I), "dahua"),
    (re.compile(r"uc-httpd|h264dvr|xiongmai", re.I), "xiongmai"),
    (re.compile(r"uniview", re.I), "uniview"),
    (re.compile(r"videojet|bosch", re.I), "bosch"),
    (re.compile(r"\baxis\b", re.I), "axis"),
    (re.compile(r"hanwha|samsung techwin", re.I), "hanwha"),
]
CAMERA_TYPES = {"camera", "thermal-camera", "nvr", "dvr"}


def nmap_makers(path):
    out = {}
    for host in ET.parse(path).getroot().iter("host"):
        addr = host.find("address").get("addr")
        named = []
        for svc in host.iter("service"):
            texts = [svc.get(k) or "" for k in ("product", "version", "extrainfo", "devicetype")]
            texts += [c.text or "" for c in svc.iter("cpe")]
            for t in texts:
                for rx, maker in MAKERS:
                    if rx.search(t):
                        named.append(maker)
                        break
        if named:
            # The maker named most often on this host.
            out[addr] = max(set(named), key=named.count)
    return out, {}


def camaudit_makers(path):
    makers, types = {}, {}
    with open(path) as f:
        for line in f:
            d = json.loads(line)
            for a in [d.get("addr")] + (d.get("other_addrs") or []):
                if a is None:
                    continue
                if d.get("manufacturer"):
                    makers[a] = d["manufacturer"]
                types[a] = (d.get("device_type"), d.get("covered"))
    return makers, types


def main():
    truth_path, cidr, tool, path = sys.argv[1:5]
    net = ipaddress.ip_network(cidr)
    makers, types = (camaudit_makers if tool == "camaudit" else nmap_makers)(path)
    tp = fp = cov = found = flagged = 0
    trusted, decoys = [], []
    with open(truth_path) as f:
        for line in f:
            t = json.loads(line)
            a = ipaddress.ip_address(t["addr"])
            if a not in net:
                continue
            if net.prefixlen < 31 and a in (net.network_address, net.broadcast_address):
                continue
            m = makers.get(t["addr"])
            if m is not None:
                if m == t["manufacturer"]:
                    tp += 1
                else:
                    fp += 1
            if t["covered"]:
                cov += 1
                found += m is not None and m == t["manufacturer"]
                flagged += m in COVERED
            elif m in COVERED and t["role"] == "surveillance":
                trusted.append(t["addr"])
            if tool == "camaudit" and t["role"] == "decoy":
                ty = types.get(t["addr"], (None, None))[0]
                if ty in CAMERA_TYPES:
                    decoys.append(t["addr"])
    print(json.dumps({
        "tool": tool,
        "covered_devices": cov,
        "precision": round(tp / max(tp + fp, 1), 4),
        "recall": round(found / max(cov, 1), 4),
        "covered_flagged": round(flagged / max(cov, 1), 4),
        "makers_named": tp + fp,
        "trusted_called_covered": len(trusted),
        "decoys_called_cameras": len(decoys),
    }))


if __name__ == "__main__":
    main()
