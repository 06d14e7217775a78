#!/usr/bin/env python3
# SPDX-License-Identifier: GPL-2.0
"""A model of patchwork's series grouping, the oracle of the intake tests.

    pw-grouping.py group MBOX...     one line per message, in order:
                                     "MSGID KIND SERIES" (KIND cover, patch
                                     or comment; SERIES a number, "-" for
                                     a comment)
    pw-grouping.py compare A B       the messages that A and B (files in
                                     that form) do not group alike: another
                                     kind, or other patches beside them in
                                     their series; exit 1 if there are any

It follows the rules of patchwork's parser (patchwork/parser.py,
parse_mail() and find_series()), rewritten from their description:
* a subject starting "Re:" is a comment; a mail with a diff a patch; a
  mail without one whose marker is 0/N a cover letter (one with
  references only if no cover of that name exists yet);
* a numbered patch joins the series of the first of its own Message-ID,
  In-Reply-To, References (newest first) that some series has recorded,
  else the series of the same sender address (any case), version and
  total begun within WINDOW of it; a new series is made when there is
  none, or its slot is taken, and records the mail's id and references
  that no series has yet; an unnumbered patch is a series of its own;
* a cover letter joins only the series that recorded its own id.
The corpus tests check this model against what patchwork's own tests
assert (tests/t0302-intake-grouping.sh).
"""

import email
import email.policy
import email.utils
import mailbox
import re
import sys

WINDOW = 20 * 60  # patchwork's SERIES_DELAY_INTERVAL, in seconds


def header(msg, name):
    v = msg.get(name)
    if v is None:
        return ''
    return re.sub(r'\s+', ' ', str(v)).strip()


def ids(value):
    return re.findall(r'<([^>]*)>', value) or value.split()


def prefixes_of(subject):
    subject = re.sub(r'^(re|fwd?)[:\s]\s*', ' ', subject, flags=re.I).strip()
    tags = []
    m = re.match(r'^\[([^\]]*)\]\s*(.*)$', subject)
    while m:
        group = m.group(1)
        hg = re.match(r'^PATCH (\d+ of \d+)(.*)$', group)
        if hg:
            tags += ['PATCH', hg.group(1)]
            group = hg.group(2)
        tags += [t for t in re.split(r'[,\s]+', group) if t]
        subject = m.group(2)
        m = re.match(r'^\[([^\]]*)\]\s*(.*)$', subject)
    tags = [t for t in tags if t.lower() != 'patch']
    name = re.sub(r'\s+', ' ', subject).strip()
    # the name keeps the prefixes: "[v2,0/2] A series" is not "[0/2] ..."
    return tags, ('[%s] %s' % (','.join(tags), name) if tags else name)


def marker(tags):
    for t in tags:
        m = re.match(r'.*?([0-9]+)(?:/| of )([0-9]+)$', t)
        if m:
            return int(m.group(1)), int(m.group(2))
    return None, None


def version(tags, name):
    for t in tags:
        m = re.match(r'^[vV](\d+)$', t)
        if m:
            return int(m.group(1))
    m = re.search(r'\([vV](\d+)\)', name)
    return int(m.group(1)) if m else 1


def text_of(msg):
    out = []
    for part in msg.walk():
        if part.get_content_maintype() != 'text':
            continue
        payload = part.get_payload(decode=True) or b''
        out.append((part.get_content_subtype(),
                    payload.decode('utf-8', 'replace')))
    return out


def has_diff(msg):
    for sub, text in text_of(msg):
        if sub in ('x-patch', 'x-diff'):
            return True
        if sub != 'plain':
            continue
        lines = text.split('\n')
        for i, line in enumerate(lines[:-2]):
            if (line.startswith('--- ') and lines[i + 1].startswith('+++ ')
                    and lines[i + 2].startswith('@@ ')):
                return True
    return False


def group(paths):
    refmap = {}     # Message-ID -> series
    series = []     # [{'author', 'version', 'total', 'date', 'numbers'}]
    covers = set()  # names of the cover letters seen
    seen = set()
    out = []
    for path in paths:
        for msg in mailbox.mbox(path, factory=lambda f: email.message_from_binary_file(
                f, policy=email.policy.compat32)):
            msgid = ''.join(ids(header(msg, 'Message-Id'))[:1])
            if not msgid or msgid in seen:
                continue
            seen.add(msgid)
            subject = header(msg, 'Subject')
            reply = re.match(r'^re[:\s]', subject, re.I)
            tags, name = prefixes_of(subject)
            x, n = marker(tags)
            ver = version(tags, name)
            refs = []
            for v in msg.get_all('In-Reply-To') or []:
                refs += [r for r in ids(str(v))[:1] if r not in refs]
            for v in msg.get_all('References') or []:
                refs += [r for r in reversed(ids(str(v))) if r not in refs]
            try:
                date = email.utils.parsedate_to_datetime(
                    header(msg, 'Date')).timestamp()
            except (TypeError, ValueError):
                date = 0
            author = email.utils.parseaddr(header(msg, 'From'))[1].lower()
            kind, sid = 'comment', None
            if not reply and has_diff(msg):
                kind = 'patch'
                s = None
                if n:
                    for r in [msgid] + refs:
                        if r in refmap:
                            s = refmap[r]
                            break
                    else:
                        for i in reversed(range(len(series))):
                            c = series[i]
                            if (c['author'] == author and c['version'] == ver
                                    and c['total'] == n
                                    and abs(c['date'] - date) <= WINDOW):
                                s = i
                                break
                else:
                    x = n = 1
                if s is None or x in series[s]['numbers']:
                    series.append({'author': author, 'version': ver,
                                   'total': n, 'date': date,
                                   'numbers': set()})
                    s = len(series) - 1
                    for r in refs + [msgid]:
                        refmap.setdefault(r, s)
                series[s]['numbers'].add(x)
                sid = s
            elif x == 0 and not reply and (not refs or name not in covers):
                kind = 'cover'
                covers.add(name)
                if msgid in refmap:
                    sid = refmap[msgid]
                else:
                    series.append({'author': author, 'version': ver,
                                   'total': n, 'date': date,
                                   'numbers': set()})
                    sid = len(series) - 1
                    refmap[msgid] = sid
            out.append('%s %s %s' % (msgid, kind,
                                     '-' if sid is None else sid + 1))
    return out


def read(path):
    rows = {}
    order = []
    with open(path) as f:
        for line in f:
            msgid, kind, sid = line.split()
            rows[msgid] = (kind, sid)
            order.append(msgid)
    return rows, order


def compare(a, b):
    ra, order = read(a)
    rb, _ = read(b)

    # the patches in the same series: a cover letter that one of them
    # joins and the other not differs alone, not with all its patches
    def mates(rows, msgid):
        sid = rows.get(msgid, ('none', '-'))[1]
        if sid == '-':
            return set()
        return {m for m, (k, s) in rows.items()
                if s == sid and m != msgid and k == 'patch'}

    bad = []
    for msgid in order + [m for m in rb if m not in ra]:
        ka = ra.get(msgid, ('none', '-'))[0]
        kb = rb.get(msgid, ('none', '-'))[0]
        if ka != kb or mates(ra, msgid) != mates(rb, msgid):
            bad.append(msgid)
    for msgid in bad:
        print(msgid)
    return 1 if bad else 0


def main(argv):
    if len(argv) >= 2 and argv[0] == 'group':
        for line in group(argv[1:]):
            print(line)
        return 0
    if len(argv) == 3 and argv[0] == 'compare':
        return compare(argv[1], argv[2])
    sys.stderr.write('usage: pw-grouping.py group MBOX... | compare A B\n')
    return 2


if __name__ == '__main__':
    sys.exit(main(sys.argv[1:]))
