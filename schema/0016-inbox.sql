-- The public-inbox v2 inboxes of [inbox "NAME"] (daemon/inbox.c).
--
-- inbox_starts: where an inbox's mail starts to be submitted, set at
-- its first read to [inbox] backfill days before; mail the inbox took
-- earlier (commit time) is only indexed.  Kept, so that a first read
-- cut short goes on with the same start.
CREATE TABLE inbox_starts (
	inbox TEXT PRIMARY KEY,
	since INTEGER NOT NULL
);
--
-- inbox_epochs is the cursor: per inbox and epoch (git/N.git), the
-- newest commit whose message was read and committed; a poll walks
-- the commits after it.  A row appears once an epoch's first commits
-- are read, so the highest epoch is where the next poll starts.
CREATE TABLE inbox_epochs (
	inbox TEXT NOT NULL,
	epoch INTEGER NOT NULL,
	last_commit TEXT NOT NULL,
	updated_at INTEGER NOT NULL,
	PRIMARY KEY (inbox, epoch)
);

-- Every message read from an inbox, to find a thread by Message-ID
-- (cthulhu submit --msgid): the blob "m" of its commit in the mirror,
-- and the thread's root (the first References: id, else In-Reply-To,
-- else its own).  A Message-ID an inbox holds twice keeps its first.
CREATE TABLE inbox_messages (
	inbox TEXT NOT NULL,
	msgid TEXT NOT NULL,
	root TEXT NOT NULL,
	epoch INTEGER NOT NULL,
	blob TEXT NOT NULL,
	PRIMARY KEY (inbox, msgid)
);
CREATE INDEX inbox_messages_root ON inbox_messages (root);
CREATE INDEX inbox_messages_msgid ON inbox_messages (msgid);
