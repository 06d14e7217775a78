-- The trailers that replies gave an applied patch's commit (b4's rules,
-- daemon/am.c), as a JSON array of "Key: value" lines: what arrives later
-- is shown as new, and `cthulhu apply --update-trailers` adds it.
ALTER TABLE applied ADD COLUMN trailers TEXT NOT NULL DEFAULT '[]';
