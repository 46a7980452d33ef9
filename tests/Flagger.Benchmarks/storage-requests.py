"""Counts the requests in an `azurite --debug` log by service and table or queue, optionally within [FROM, TO]
(ISO times, compared as text). Azurite logs one "...StorageContextMiddleware: RequestMethod=... RequestURL=..."
line per request."""
import collections
import re
import sys

LINE = re.compile(r'^(\S+) \S+ info: (\w+)StorageContextMiddleware: RequestMethod=\w+ RequestURL=http://[^/]+/devstoreaccount1/([^?\s]*)')

def main(log, since="", until="~"):
    counts = collections.Counter()
    for line in open(log, errors="replace"):
        match = LINE.match(line)
        if not match or not since <= match.group(1) <= until:
            continue
        service, path = match.group(2), match.group(3)
        resource = re.sub(r"\(.*", "", path.split("/")[0])
        counts[(service, re.sub(r"-\d+$", "-N", resource))] += 1  # control queues: one per partition
    print(f"{sum(counts.values())} requests")
    for (service, resource), n in counts.most_common():
        print(f"{n:7d}  {service:6s} {resource}")

if __name__ == "__main__":
    main(*sys.argv[1:])
