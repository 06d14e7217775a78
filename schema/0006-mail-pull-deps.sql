-- What intake learned to read after 0003: the pull URL of a git
-- request-pull mail, and the series a "Depends-on:" line names.

ALTER TABLE messages ADD COLUMN pull_url TEXT;	-- git request-pull "URL [ref]", or NULL

-- Series this one depends on: the "Depends-on:" lines of its cover and
-- patches that name another series (by a Message-ID of its cover or a
-- patch, or a URL), in the order they arrived.
CREATE TABLE series_deps (
	series_id INTEGER NOT NULL REFERENCES series (id),
	depends_on INTEGER NOT NULL REFERENCES series (id),
	PRIMARY KEY (series_id, depends_on)
);
