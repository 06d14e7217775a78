#!/usr/bin/env python3
# SPDX-License-Identifier: GPL-2.0
"""An archive-like mbox for the intake benchmark (bench/intake/run.sh).

    gen-mbox.py SERIES OUT [SEED]

SERIES series over about a week, from 150 senders: 1 to 20 patches each
(a third single patches), most with a cover letter; a fifth answer a
parent that is not in the archive (all their mails, cover included, as
an answer typed at git send-email's prompt gives), the rest are threaded
to their cover; one mail in twelve has its sender rewritten (gmane's
user-HASH@public.gmane.org, or a DMARC "Name via List"); a patch in three
gets a reply with a trailer.  Mails arrive roughly in date order, a
series' own mails somewhat shuffled.
"""
import random
import sys

n, out = int(sys.argv[1]), sys.argv[2]
rnd = random.Random(int(sys.argv[3]) if len(sys.argv) > 3 else 11)
people = [('Dev%03d Person' % i, 'dev%03d@corp%d.example' % (i, i % 9))
          for i in range(150)]
mails = []
t0 = 1686650000


def sender(name, addr):
    r = rnd.random()
    if r < 1 / 24:
        local = addr.split('@')[0]
        return '%s <%s-Qx7bS5mD1kLW%04dz0a9cA4g@public.gmane.org>' % (
            name, local, rnd.randrange(10000))
    if r < 1 / 12:
        return '"%s via Linux-kernel" <linux-kernel@vger.kernel.org>' % name
    return '%s <%s>' % (name, addr)


def mail(frm, msgid, irt, refs, date, subject, diff, body='Text.'):
    lines = ['From bench Mon Sep 17 00:00:00 2001', 'From: ' + frm,
             'Message-Id: <%s>' % msgid]
    if irt:
        lines.append('In-Reply-To: <%s>' % irt)
        lines.append('References: ' + ' '.join('<%s>' % r for r in refs))
    lines += ['Date: %s' % date_of(date), 'Subject: ' + subject, '',
              body, '', 'Signed-off-by: ' + frm]
    if diff:
        f = 'drivers/x/f%d.c' % rnd.randrange(5000)
        lines += ['---', ' %s | 2 +-' % f, '',
                  'diff --git a/%s b/%s' % (f, f), '--- a/' + f, '+++ b/' + f,
                  '@@ -1,3 +1,3 @@', ' a', '-b', '+%s' % msgid, ' c']
    return '\n'.join(lines) + '\n\n'


def date_of(t):
    import email.utils
    return email.utils.formatdate(t)


for s in range(n):
    name, addr = rnd.choice(people)
    total = 1 if rnd.random() < 1 / 3 else rnd.randrange(2, 21)
    start = t0 + int(s * 7 * 86400 / n)
    ver = rnd.choice(['', '', ' v2', ' v3'])
    bogus = rnd.random() < 0.2
    parent = 'parent-%d@elsewhere.example' % s
    base = 'b%d.%d' % (s, start)
    cover = total > 1 and rnd.random() < 0.8
    batch = []
    cid = '%s-0@%s' % (base, addr.split('@')[1])
    if cover:
        irt = parent if bogus else None
        batch.append((start, mail(sender(name, addr), cid, irt,
                                  [parent] if irt else [], start,
                                  '[PATCH%s 0/%d] sub%d: Series %d' % (
                                      ver, total, s % 40, s), False)))
    for i in range(1, total + 1):
        pid = '%s-%d@%s' % (base, i, addr.split('@')[1])
        if bogus:
            irt, refs = parent, [parent]
        elif cover:
            irt, refs = cid, [cid]
        else:
            irt, refs = None, []
        subj = ('[PATCH%s %d/%d] sub%d: Step %d of %d' % (
            ver, i, total, s % 40, i, s) if total > 1 else
            '[PATCH%s] sub%d: Fix %d' % (ver, s % 40, s))
        batch.append((start + i, mail(sender(name, addr), pid, irt, refs,
                                      start + i, subj, True)))
        if rnd.random() < 1 / 3:
            rn, ra = rnd.choice(people)
            batch.append((start + 3600 + i, mail(
                '%s <%s>' % (rn, ra), 'r-' + pid, pid, refs + [pid],
                start + 3600 + i, 'Re: ' + subj, False,
                '> quoted\n\nReviewed-by: %s <%s>' % (rn, ra))))
    # a series' own mails come in a little out of order
    batch.sort(key=lambda b: b[0] + rnd.randrange(4))
    mails += batch
mails.sort(key=lambda b: b[0] // 600)
with open(out, 'w') as f:
    for _, m in mails:
        f.write(m)
print(len(mails))
