-- supersede_held names the older series a new one would supersede by its
-- name, held back because the two came from different addresses: anyone
-- can send a "v2" of someone else's series.  The maintainer decides with
-- cthulhu supersede; supersedes stays NULL until then.
ALTER TABLE series ADD COLUMN supersede_held INTEGER REFERENCES series (id);
