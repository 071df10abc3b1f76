-- Records, their secondary-index entries, and which indexes were built
-- over records stored before they were declared. Keys compare as bytes
-- (COLLATE "C"), as in every other store.
CREATE TABLE c2psim_records (
	collection text COLLATE "C" NOT NULL,
	key        text COLLATE "C" NOT NULL,
	value      bytea NOT NULL,
	PRIMARY KEY (collection, key)
);

CREATE TABLE c2psim_index (
	collection text COLLATE "C" NOT NULL,
	name       text COLLATE "C" NOT NULL,
	value      text COLLATE "C" NOT NULL,
	key        text COLLATE "C" NOT NULL,
	PRIMARY KEY (collection, name, value, key)
);
CREATE INDEX c2psim_index_by_record ON c2psim_index (collection, key);

CREATE TABLE c2psim_index_built (
	collection text COLLATE "C" NOT NULL,
	name       text COLLATE "C" NOT NULL,
	PRIMARY KEY (collection, name)
);
