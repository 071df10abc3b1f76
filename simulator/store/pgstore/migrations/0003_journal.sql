-- The shared journal: every replica appends its exchanges; any replica's
-- admin API reads them all.
CREATE TABLE c2psim_journal (
	seq             bigserial PRIMARY KEY,
	time            timestamptz NOT NULL,
	network         text NOT NULL,
	operation_id    text NOT NULL DEFAULT '',
	direction       text NOT NULL,
	correlation_ids text[] NOT NULL DEFAULT '{}',
	entry           bytea NOT NULL
);
CREATE INDEX c2psim_journal_correlation ON c2psim_journal USING gin (correlation_ids);
CREATE INDEX c2psim_journal_network ON c2psim_journal (network, seq);
