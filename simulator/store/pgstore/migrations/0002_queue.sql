-- The table queue under callbacks waiting for delivery and scheduled tasks
-- (package queue): replicas claim items with FOR UPDATE SKIP LOCKED and
-- hold them by a lease (leased_until) while they work them.
CREATE SEQUENCE c2psim_queue_seq;

CREATE TABLE c2psim_queue (
	id           text COLLATE "C" PRIMARY KEY,
	kind         text NOT NULL,
	network      text COLLATE "C" NOT NULL,
	order_key    text COLLATE "C" NOT NULL DEFAULT '',
	seq          bigint NOT NULL,
	due          timestamptz NOT NULL,
	deadline     timestamptz,
	created      timestamptz NOT NULL,
	attempts     integer NOT NULL DEFAULT 0,
	last_error   text NOT NULL DEFAULT '',
	dead         boolean NOT NULL DEFAULT false,
	dead_at      timestamptz,
	leased_until timestamptz,
	leased_by    text NOT NULL DEFAULT '',
	payload      bytea NOT NULL
);
CREATE INDEX c2psim_queue_due ON c2psim_queue (due) WHERE NOT dead;
CREATE INDEX c2psim_queue_order ON c2psim_queue (network, order_key, seq) WHERE NOT dead;
