#!/usr/bin/env python3
"""Where a consumer run's time went, from Spark's event log (bench/cluster-bench.sh).

    python3 bench/sparkevents.py EVENT_LOG_FILE

One line: the application's start to its first task, and over every task the sum of its
executor run time, deserialization (task launch), shuffle write and shuffle fetch wait, and the
scheduler delay (launch to start of the run, what the task did not spend running), in seconds.
"""
import json
import sys


def main(path):
    app_start = app_end = first_task = None
    run = deser = shuffle_write = fetch_wait = result_ser = 0.0
    tasks = 0
    with open(path, encoding="utf-8") as f:
        for line in f:
            e = json.loads(line)
            kind = e.get("Event")
            if kind == "SparkListenerApplicationStart":
                app_start = e["Timestamp"]
            elif kind == "SparkListenerApplicationEnd":
                app_end = e["Timestamp"]
            elif kind == "SparkListenerTaskStart":
                t = e["Task Info"]["Launch Time"]
                first_task = t if first_task is None else min(first_task, t)
            elif kind == "SparkListenerTaskEnd":
                m = e.get("Task Metrics") or {}
                tasks += 1
                run += m.get("Executor Run Time", 0) / 1000
                deser += m.get("Executor Deserialize Time", 0) / 1000
                result_ser += m.get("Result Serialization Time", 0) / 1000
                sw = m.get("Shuffle Write Metrics", {})
                shuffle_write += sw.get("Shuffle Write Time", 0) / 1e9
                sr = m.get("Shuffle Read Metrics", {})
                fetch_wait += sr.get("Fetch Wait Time", 0) / 1000
    to_first = (first_task - app_start) / 1000 if first_task and app_start else float("nan")
    total = (app_end - app_start) / 1000 if app_end and app_start else float("nan")
    print("app %.1f s; start to first task %.1f s; %d tasks: run %.1f s (of it shuffle write "
          "%.1f s, fetch wait %.1f s), task launch (deserialize) %.1f s, result "
          "serialization %.1f s" % (total, to_first, tasks, run, shuffle_write, fetch_wait,
                                    deser, result_ser))


if __name__ == "__main__":
    if len(sys.argv) != 2:
        sys.exit("usage: sparkevents.py EVENT_LOG_FILE")
    main(sys.argv[1])
