// Read the files bench/calendar_readers.py --dump wrote with Mozilla's ical.js (the
// reader inside Thunderbird) and compare its occurrence instants with ours.
//
// Not part of the test suite: ical.js comes from npm into a directory of your choosing.
//
//   mkdir -p /tmp/icaljs && (cd /tmp/icaljs && npm install ical.js@2)
//   .venv/bin/python bench/calendar_readers.py --dump /tmp/calendar-files
//   NODE_PATH=/tmp/icaljs/node_modules TZ=UTC \
//     node bench/calendar_readers_icaljs.mjs /tmp/icaljs /tmp/calendar-files
//
// ical.js resolves a TZID from the file's own VTIMEZONE only (as a calendar that trusts
// the file does); a time it cannot place is floating, and counts as a failure.

import { readFileSync } from "node:fs";
import { createRequire } from "node:module";
import { join } from "node:path";

const [icalDir, filesDir] = process.argv.slice(2);
const ICAL = createRequire(join(icalDir, "package.json"))("ical.js");
const expected = JSON.parse(readFileSync(join(filesDir, "expected.json"), "utf8"));
const windows = expected.windows.map(([begin, end]) => [Date.parse(begin), Date.parse(end)]);
const inWindows = (ms) => windows.some(([begin, end]) => begin <= ms && ms < end);
const uidKey = (uid) => (uid.startsWith("checkin-") ? uid.split("@")[0] + "@" : uid);
const last = windows[windows.length - 1][1];

let checks = 0;
let failed = 0;
const byKind = {};
for (const [name, file] of Object.entries(expected.files)) {
  const calendar = new ICAL.Component(ICAL.parse(readFileSync(join(filesDir, name), "utf8")));
  const found = {};
  for (const component of calendar.getAllSubcomponents("vevent")) {
    const event = new ICAL.Event(component);
    const key = uidKey(event.uid);
    found[key] = found[key] || new Set();
    const iterator = event.iterator();
    for (let next = iterator.next(); next; next = iterator.next()) {
      const floating = next.zone === ICAL.Timezone.localTimezone;
      const ms = next.toJSDate().getTime();
      if (ms >= last) break;
      if (floating) found[key].add(`floating ${next.toString()}`);
      else if (file.kind !== "feed" || inWindows(ms)) found[key].add(new Date(ms).toISOString());
    }
  }
  for (const [uid, ours] of Object.entries(file.events)) {
    const wanted = new Set(
      ours.map((iso) => Date.parse(iso)).filter((ms) => file.kind !== "feed" || inWindows(ms))
        .map((ms) => new Date(ms).toISOString()),
    );
    const theirs = found[uid] || new Set();
    const missing = [...wanted].filter((x) => !theirs.has(x));
    const extra = [...theirs].filter((x) => !wanted.has(x));
    const ok = missing.length === 0 && extra.length === 0;
    checks += 1;
    failed += ok ? 0 : 1;
    byKind[file.kind] = byKind[file.kind] || [0, 0];
    byKind[file.kind][0] += 1;
    byKind[file.kind][1] += ok ? 0 : 1;
    if (!ok) {
      console.log(
        `FAIL ${name}: ical.js: ${uid} (${wanted.size} occurrences): ` +
          `${missing.length} missing (${missing.slice(0, 3).join(", ")}), ` +
          `${extra.length} unexpected (${extra.slice(0, 3).join(", ")})`,
      );
    }
  }
}
console.log(`ical.js: ${checks} checks, ${failed} failed`);
for (const [kind, [total, bad]] of Object.entries(byKind)) {
  console.log(`  ical.js / ${kind.padEnd(12)} ${String(total).padStart(4)} checks ${String(bad).padStart(4)} failed`);
}
