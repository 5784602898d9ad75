"""Reads `buf breaking --error-format json` lines on stdin; exits 1 if a break is not declared in the file given."""
import json
import sys

accepted = {line.rstrip("\n") for line in open(sys.argv[1]) if line.strip() and not line.startswith("#")}
undeclared = 0
for line in sys.stdin:
    if not line.strip():
        continue
    try:
        found = json.loads(line)
    except ValueError:
        print(line.rstrip())
        undeclared += 1
        continue
    key = found.get("type", "") + "\t" + found.get("message", "")
    where = "%s:%s" % (found.get("path", "?"), found.get("start_line", "?"))
    if key in accepted:
        print("accepted break (tools/buf/accepted-breaks.txt): %s %s" % (where, key))
    else:
        undeclared += 1
        print("BREAK %s %s" % (where, key))
sys.exit(1 if undeclared else 0)
