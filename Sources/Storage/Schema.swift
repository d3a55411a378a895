/// The schema's history. Allowed values live in CHECK constraints so that no
/// writer, however buggy, can store an impossible connection.
public enum Schema {
    public static let migrations: [Migration] = [
        Migration(version: 1, name: "connections, drivers, memberships, users, audit", sql: version1),
        Migration(version: 2, name: "sessions and sign-in attempts", sql: version2),
        Migration(version: 3, name: "trigram search indexes", sql: version3),
        Migration(version: 4, name: "user preferences", sql: version4),
        Migration(version: 5, name: "known devices", sql: knownDevices),
        Migration(version: 6, name: "driver names per request, rate events, spent form tokens", sql: version6),
        Migration(version: 7, name: "API tokens", sql: apiTokens),
        Migration(version: 8, name: "installation secrets", sql: installationSecrets),
        Migration(version: 9, name: "email outbox, its sender's lease, address confirmations, host digests", sql: email),
        Migration(version: 10, name: "secrets stored as hashes, user invitations", sql: hashedSecrets, rebuildsTables: true),
        Migration(version: 11, name: "API tokens' call allowance", sql: apiCallAllowance),
        Migration(version: 12, name: "rate windows: counters per subject and minute", sql: rateWindows),
        Migration(version: 13, name: "domain events", sql: domainEvents),
        Migration(version: 14, name: "bulk changes and their undo, email settings", sql: bulkChanges),
        Migration(version: 15, name: "the search box's indexes of drivers' names and emails", sql: driverSearch),
        Migration(version: 16, name: "SCIM directory sync: tokens, users, groups and members", sql: directorySync),
        Migration(version: 17, name: "single sign-on settings and sign-ins under way", sql: singleSignOn),
        Migration(version: 18, name: "the overview's figures, kept by triggers", sql: OverviewRollupSQL.migration(.sqlite)),
        Migration(version: 19, name: "webhooks: subscriptions, their events, deliveries", sql: webhooks),
        Migration(version: 20, name: "connection counters once a statement", sql: countersPerStatement),
        Migration(version: 21, name: "saved views; an organization's time zone; view reports", sql: savedViews, rebuildsTables: true),
        // Rebuilding the outbox drops its triggers: the overview's (migration 18) are made again.
        Migration(version: 22, name: "memberships that end", sql: membershipsThatEnd + outboxTriggersAgain, rebuildsTables: true),
    ]

    static let directorySync = """
    -- An organization's identity provider pushes its people here by SCIM (Domain's Directory):
    -- tokens an Admin makes (hashed, shown once), the users and groups as the directory sent them
    -- (the whole resource in JSON, its searched attributes as columns), and group members. A group
    -- mapped to a connection makes its members that connection's drivers.
    CREATE TABLE scim_tokens (
        id                  INTEGER PRIMARY KEY,
        org_id              INTEGER NOT NULL REFERENCES organizations(id) ON DELETE CASCADE,
        name                TEXT NOT NULL CHECK (length(trim(name)) BETWEEN 1 AND 100 AND instr(name, char(10)) = 0),
        token_hash          TEXT NOT NULL UNIQUE CHECK (length(token_hash) = 64),
        created_by          INTEGER REFERENCES users(id) ON DELETE SET NULL,
        created_at          TEXT NOT NULL,
        last_used_at        TEXT
    );
    CREATE INDEX scim_tokens_org ON scim_tokens (org_id);
    CREATE TABLE scim_users (
        id                  INTEGER PRIMARY KEY,
        org_id              INTEGER NOT NULL REFERENCES organizations(id) ON DELETE CASCADE,
        user_name           TEXT NOT NULL COLLATE NOCASE CHECK (length(user_name) BETWEEN 1 AND 254),
        external_id         TEXT,
        active              INTEGER NOT NULL DEFAULT 1 CHECK (active IN (0, 1)),
        email               TEXT,
        resource            TEXT NOT NULL CHECK (json_valid(resource)),
        version             INTEGER NOT NULL DEFAULT 1,
        created_at          TEXT NOT NULL,
        updated_at          TEXT NOT NULL
    );
    CREATE UNIQUE INDEX scim_users_org_user_name ON scim_users (org_id, user_name);
    CREATE TABLE scim_groups (
        id                  INTEGER PRIMARY KEY,
        org_id              INTEGER NOT NULL REFERENCES organizations(id) ON DELETE CASCADE,
        display_name        TEXT NOT NULL COLLATE NOCASE CHECK (length(display_name) BETWEEN 1 AND 254),
        external_id         TEXT,
        connection_id       INTEGER REFERENCES connections(id) ON DELETE SET NULL,
        version             INTEGER NOT NULL DEFAULT 1,
        created_at          TEXT NOT NULL,
        updated_at          TEXT NOT NULL
    );
    CREATE INDEX scim_groups_org_display_name ON scim_groups (org_id, display_name);
    CREATE TABLE scim_group_members (
        group_id            INTEGER NOT NULL REFERENCES scim_groups(id) ON DELETE CASCADE,
        user_id             INTEGER NOT NULL REFERENCES scim_users(id) ON DELETE CASCADE,
        PRIMARY KEY (group_id, user_id)
    ) WITHOUT ROWID;
    CREATE INDEX scim_group_members_user ON scim_group_members (user_id);
    """

    static let singleSignOn = """
    -- An organization's OpenID Connect provider (Domain's SignOnSettings): issuer, client id and secret,
    -- the role mapping, sealed with AES-256-GCM under the installation key (base64url); `required`
    -- turns password sign-in off for its users (not for the installation's first Admin).
    CREATE TABLE sign_on_settings (
        org_id              INTEGER PRIMARY KEY REFERENCES organizations(id) ON DELETE CASCADE,
        sealed              TEXT NOT NULL,
        required            INTEGER NOT NULL DEFAULT 0 CHECK (required IN (0, 1)),
        updated_at          TEXT NOT NULL,
        updated_by          INTEGER REFERENCES users(id) ON DELETE SET NULL
    );
    -- A sign-in under way (Domain's SingleSignOn): the SHA-256 of its `state`, which the browser also
    -- holds in a cookie; its nonce and PKCE verifier. Deleted when the browser comes back, so a code
    -- or a state is used once; older than ten minutes it is refused.
    CREATE TABLE sign_on_attempts (
        state_hash          TEXT PRIMARY KEY CHECK (length(state_hash) = 64),
        org_id              INTEGER NOT NULL REFERENCES organizations(id) ON DELETE CASCADE,
        nonce               TEXT NOT NULL,
        verifier            TEXT NOT NULL,
        next                TEXT NOT NULL,
        created_at          TEXT NOT NULL
    ) WITHOUT ROWID;
    """

    static let webhooks = """
    -- Webhooks (Domain's Webhook*): an organization's subscriptions (an URL, a secret sealed with the
    -- installation key because it must sign, the one before a rotation for 24 hours, enabled or
    -- paused), the event types each wants, and the deliveries: one row per event and subscription,
    -- written in the event's own transaction, sent in order per subscription and connection
    -- (`connection_key`, 0 for none), with what the receiver answered.
    CREATE TABLE webhook_subscriptions (
        id                  INTEGER PRIMARY KEY,
        org_id              INTEGER NOT NULL REFERENCES organizations(id) ON DELETE CASCADE,
        url                 TEXT NOT NULL CHECK (length(url) BETWEEN 10 AND 2000 AND instr(url, char(10)) = 0),
        description         TEXT NOT NULL DEFAULT '' CHECK (length(description) <= 200 AND instr(description, char(10)) = 0),
        secret_sealed       TEXT NOT NULL,
        previous_secret_sealed TEXT,
        previous_until      TEXT,
        state               TEXT NOT NULL DEFAULT 'enabled' CHECK (state IN ('enabled', 'paused')),
        failing_since       TEXT,
        created_at          TEXT NOT NULL
    );
    CREATE INDEX webhook_subscriptions_org ON webhook_subscriptions (org_id);
    CREATE TABLE webhook_subscription_events (
        subscription_id     INTEGER NOT NULL REFERENCES webhook_subscriptions(id) ON DELETE CASCADE,
        event_type          TEXT NOT NULL CHECK (length(event_type) BETWEEN 3 AND 60),
        PRIMARY KEY (subscription_id, event_type)
    ) WITHOUT ROWID;
    -- The webhook sender's lease, as outbox_lease is the email sender's.
    CREATE TABLE webhook_lease (
        id                  INTEGER PRIMARY KEY CHECK (id = 1),
        holder              TEXT NOT NULL,
        expires_at          TEXT NOT NULL
    );
    CREATE TABLE webhook_deliveries (
        id                  INTEGER PRIMARY KEY,
        subscription_id     INTEGER NOT NULL REFERENCES webhook_subscriptions(id) ON DELETE CASCADE,
        event_id            INTEGER NOT NULL,
        message_id          TEXT NOT NULL CHECK (length(message_id) BETWEEN 5 AND 100),
        event_type          TEXT NOT NULL CHECK (length(event_type) BETWEEN 3 AND 60),
        connection_key      INTEGER NOT NULL DEFAULT 0,
        body                TEXT NOT NULL CHECK (json_valid(body)),
        state               TEXT NOT NULL DEFAULT 'queued' CHECK (state IN ('queued', 'sending', 'delivered', 'failed')),
        attempts            INTEGER NOT NULL DEFAULT 0 CHECK (attempts >= 0),
        due_at              TEXT NOT NULL,
        created_at          TEXT NOT NULL,
        finished_at         TEXT,
        response_code       INTEGER,
        latency_ms          INTEGER,
        response_body       TEXT CHECK (response_body IS NULL OR length(response_body) <= 1024),
        last_error          TEXT CHECK (last_error IS NULL OR length(last_error) <= 500)
    );
    CREATE INDEX webhook_deliveries_due ON webhook_deliveries (due_at) WHERE state = 'queued';
    CREATE INDEX webhook_deliveries_order ON webhook_deliveries (subscription_id, connection_key, state, due_at);
    """

    /// PostgreSQL's migration 20: SQLite's per-row counting triggers stay (an update of one row
    /// many times in a transaction costs SQLite nothing more).
    static let countersPerStatement = "-- PostgreSQL's connection counters once a statement; nothing changes in SQLite."

    static let savedViews = """
    -- Saved views (Domain's SavedViews, issue 28): a name for the table's address (its query string),
    -- the user's own (org_id NULL) or shared with an organization; each user's default view; and the
    -- organization's time zone, in which relative date filters count days (an IANA name).
    CREATE TABLE saved_views (
        id                  INTEGER PRIMARY KEY,
        owner_id            INTEGER NOT NULL REFERENCES users(id) ON DELETE CASCADE,
        org_id              INTEGER REFERENCES organizations(id) ON DELETE CASCADE,
        name                TEXT NOT NULL CHECK (length(trim(name)) BETWEEN 1 AND 100),
        query               TEXT NOT NULL CHECK (length(query) <= 8000),
        created_at          TEXT NOT NULL,
        updated_at          TEXT NOT NULL
    );
    CREATE INDEX saved_views_owner ON saved_views (owner_id);
    CREATE INDEX saved_views_org ON saved_views (org_id);
    CREATE TABLE view_defaults (
        user_id             INTEGER NOT NULL PRIMARY KEY REFERENCES users(id) ON DELETE CASCADE,
        view_id             INTEGER NOT NULL REFERENCES saved_views(id) ON DELETE CASCADE
    ) WITHOUT ROWID;
    CREATE INDEX view_defaults_view ON view_defaults (view_id);
    ALTER TABLE organizations ADD COLUMN time_zone TEXT NOT NULL DEFAULT 'UTC' CHECK (length(time_zone) BETWEEN 1 AND 64);

    -- Reports (Domain's ViewReports): a shared view sent daily, weekly or monthly at a local hour of
    -- its organization's day to chosen members; each recipient keeps the row ids of the last report
    -- sent to them (a bounded, comma-separated list) so the next one says which rows entered and left.
    CREATE TABLE view_reports (
        view_id             INTEGER NOT NULL PRIMARY KEY REFERENCES saved_views(id) ON DELETE CASCADE,
        frequency           TEXT NOT NULL CHECK (frequency IN ('daily', 'weekly', 'monthly')),
        hour                INTEGER NOT NULL CHECK (hour BETWEEN 0 AND 23),
        skip_unchanged      INTEGER NOT NULL DEFAULT 0 CHECK (skip_unchanged IN (0, 1)),
        last_skipped_at     TEXT,
        updated_by          INTEGER REFERENCES users(id) ON DELETE SET NULL,
        updated_at          TEXT NOT NULL
    ) WITHOUT ROWID;
    CREATE TABLE view_report_recipients (
        view_id             INTEGER NOT NULL REFERENCES view_reports(view_id) ON DELETE CASCADE,
        user_id             INTEGER NOT NULL REFERENCES users(id) ON DELETE CASCADE,
        last_row_ids        TEXT CHECK (last_row_ids IS NULL OR length(last_row_ids) <= 120000),
        last_sent_at        TEXT,
        -- The email those ids were read for, and the ids before it: the same email sent again (a retry)
        -- compares with what its first attempt compared with.
        last_message_key    TEXT,
        prior_row_ids       TEXT CHECK (prior_row_ids IS NULL OR length(prior_row_ids) <= 120000),
        PRIMARY KEY (view_id, user_id)
    ) WITHOUT ROWID;
    CREATE INDEX view_report_recipients_user ON view_report_recipients (user_id);
    -- A report's unsubscribe links (as the digest's `unsubscribe_links`, hashed, drawn when it is sent):
    -- each takes its user off that view's report.
    CREATE TABLE view_report_links (
        token_hash          TEXT NOT NULL PRIMARY KEY CHECK (length(token_hash) = 64),
        view_id             INTEGER NOT NULL REFERENCES view_reports(view_id) ON DELETE CASCADE,
        user_id             INTEGER NOT NULL REFERENCES users(id) ON DELETE CASCADE
    ) WITHOUT ROWID;
    CREATE INDEX view_report_links_recipient ON view_report_links (view_id, user_id);
    -- The report's email: a kind the outbox's CHECK must allow, so the table is rebuilt.
    CREATE TABLE outbox_new (
        id                  INTEGER PRIMARY KEY,
        kind                TEXT NOT NULL CHECK (kind IN ('request received', 'request approved', 'request denied', 'driver removed',
                                'email confirmation', 'status link', 'invite', 'digest', 'user invitation', 'view report')),
        org_id              INTEGER REFERENCES organizations(id) ON DELETE SET NULL,
        user_id             INTEGER REFERENCES users(id) ON DELETE CASCADE,
        membership_id       INTEGER REFERENCES memberships(id) ON DELETE SET NULL,
        recipient           TEXT NOT NULL CHECK (length(recipient) BETWEEN 3 AND 254),
        payload             TEXT NOT NULL DEFAULT '{}' CHECK (json_valid(payload)),
        message_key         TEXT NOT NULL UNIQUE CHECK (length(message_key) >= 22),
        state               TEXT NOT NULL DEFAULT 'queued' CHECK (state IN ('queued', 'sending', 'sent', 'failed', 'skipped')),
        attempts            INTEGER NOT NULL DEFAULT 0 CHECK (attempts >= 0),
        due_at              TEXT NOT NULL,
        last_error          TEXT CHECK (last_error IS NULL OR length(last_error) <= 500),
        created_at          TEXT NOT NULL,
        sent_at             TEXT
    );
    INSERT INTO outbox_new SELECT id, kind, org_id, user_id, membership_id, recipient, payload, message_key, state, attempts, due_at,
        last_error, created_at, sent_at FROM outbox;
    DROP TABLE outbox;
    ALTER TABLE outbox_new RENAME TO outbox;
    CREATE INDEX outbox_due ON outbox (due_at) WHERE state = 'queued';
    CREATE INDEX outbox_state_org ON outbox (state, org_id);
    CREATE INDEX outbox_org_kind ON outbox (org_id, kind, created_at);
    CREATE INDEX outbox_user ON outbox (user_id) WHERE user_id IS NOT NULL;
    CREATE INDEX outbox_membership ON outbox (membership_id) WHERE membership_id IS NOT NULL;
    """

    static let outboxTriggersAgain = OverviewRollupSQL.sqliteTriggers.filter { $0.table == "outbox" }.map { $0.sql + ";\n" }.joined()

    static let membershipsThatEnd = """
    -- A connection's membership length ('30 days', '6 months', 'until 2027-06-30'; null: for ever, as
    -- before) and each membership's end (null: never). The sweep finds the due ones by the partial
    -- index on expires_at, the connection's page its soon-ending ones by the other.
    ALTER TABLE connections ADD COLUMN membership_lasts TEXT CHECK (membership_lasts IS NULL OR length(membership_lasts) BETWEEN 6 AND 30);
    ALTER TABLE memberships ADD COLUMN expires_at TEXT;
    CREATE INDEX memberships_expires_at ON memberships (expires_at) WHERE state = 'Connected' AND expires_at IS NOT NULL;
    CREATE INDEX memberships_connection_expires_at ON memberships (connection_id, expires_at) WHERE state = 'Connected' AND expires_at IS NOT NULL;

    -- Renewal: the days before its end a driver is reminded ('14,3'; empty: never), each membership's
    -- next reminder (drawn from its end; null: none left), found by the sweep by its partial index,
    -- and when its driver asked to renew (waiting for the address's proof or the host).
    ALTER TABLE connections ADD COLUMN renewal_reminders TEXT NOT NULL DEFAULT '14,3' CHECK (length(renewal_reminders) <= 40);
    ALTER TABLE memberships ADD COLUMN remind_at TEXT;
    ALTER TABLE memberships ADD COLUMN renewal_asked_at TEXT;
    CREATE INDEX memberships_remind_at ON memberships (remind_at) WHERE state = 'Connected' AND remind_at IS NOT NULL;

    -- Re-verification: every reverify_days (null: never) a connected driver confirms their answers
    -- within reverify_grace_days; each membership's next ask (reverify_at) and the day an unanswered
    -- ask ends it (reverify_by), each found by the sweep by its partial index.
    ALTER TABLE connections ADD COLUMN reverify_days INTEGER CHECK (reverify_days IS NULL OR reverify_days BETWEEN 1 AND 3650);
    ALTER TABLE connections ADD COLUMN reverify_grace_days INTEGER NOT NULL DEFAULT 14 CHECK (reverify_grace_days BETWEEN 1 AND 365);
    ALTER TABLE memberships ADD COLUMN reverify_at TEXT;
    ALTER TABLE memberships ADD COLUMN reverify_by TEXT;
    CREATE INDEX memberships_reverify_at ON memberships (reverify_at) WHERE state = 'Connected' AND reverify_at IS NOT NULL;
    CREATE INDEX memberships_reverify_by ON memberships (reverify_by) WHERE state = 'Connected' AND reverify_by IS NOT NULL;

    -- The renewal reminder and the re-verification: kinds the outbox's CHECK must allow, so the table is rebuilt.
    CREATE TABLE outbox_new (
        id                  INTEGER PRIMARY KEY,
        kind                TEXT NOT NULL CHECK (kind IN ('request received', 'request approved', 'request denied', 'driver removed',
                                'email confirmation', 'status link', 'invite', 'digest', 'user invitation', 'view report',
                                'renewal reminder', 'reverification')),
        org_id              INTEGER REFERENCES organizations(id) ON DELETE SET NULL,
        user_id             INTEGER REFERENCES users(id) ON DELETE CASCADE,
        membership_id       INTEGER REFERENCES memberships(id) ON DELETE SET NULL,
        recipient           TEXT NOT NULL CHECK (length(recipient) BETWEEN 3 AND 254),
        payload             TEXT NOT NULL DEFAULT '{}' CHECK (json_valid(payload)),
        message_key         TEXT NOT NULL UNIQUE CHECK (length(message_key) >= 22),
        state               TEXT NOT NULL DEFAULT 'queued' CHECK (state IN ('queued', 'sending', 'sent', 'failed', 'skipped')),
        attempts            INTEGER NOT NULL DEFAULT 0 CHECK (attempts >= 0),
        due_at              TEXT NOT NULL,
        last_error          TEXT CHECK (last_error IS NULL OR length(last_error) <= 500),
        created_at          TEXT NOT NULL,
        sent_at             TEXT
    );
    INSERT INTO outbox_new SELECT id, kind, org_id, user_id, membership_id, recipient, payload, message_key, state, attempts, due_at,
        last_error, created_at, sent_at FROM outbox;
    DROP TABLE outbox;
    ALTER TABLE outbox_new RENAME TO outbox;
    CREATE INDEX outbox_due ON outbox (due_at) WHERE state = 'queued';
    CREATE INDEX outbox_state_org ON outbox (state, org_id);
    CREATE INDEX outbox_org_kind ON outbox (org_id, kind, created_at);
    CREATE INDEX outbox_user ON outbox (user_id) WHERE user_id IS NOT NULL;
    CREATE INDEX outbox_membership ON outbox (membership_id) WHERE membership_id IS NOT NULL;
    """

    static let domainEvents = """
    -- What each command did (Domain's DomainEvent: connection created, driver requested, request
    -- approved, ...), written in the command's own transaction: the outbox webhooks will deliver
    -- from, read after an id. Subject ids have no foreign keys, as an event outlives its subject.
    CREATE TABLE domain_events (
        id                  INTEGER PRIMARY KEY,
        occurred_at         TEXT NOT NULL,
        organization_id     INTEGER NOT NULL REFERENCES organizations(id) ON DELETE CASCADE,
        kind                TEXT NOT NULL CHECK (length(kind) BETWEEN 3 AND 60),
        connection_id       INTEGER,
        membership_id       INTEGER,
        user_id             INTEGER,
        payload             TEXT NOT NULL DEFAULT '{}' CHECK (json_valid(payload))
    );
    CREATE INDEX domain_events_org ON domain_events (organization_id, id);
    """

    static let bulkChanges = """
    -- A bulk enable or disable from the table (Domain's BulkStatusChange): what it said, and for its
    -- Undo, within `undo_until`, by the session that made it (its token's hash), once, each row it
    -- changed with the connection's version after the change (a row changed since is left alone).
    CREATE TABLE bulk_changes (
        id                  INTEGER PRIMARY KEY,
        user_id             INTEGER NOT NULL REFERENCES users(id) ON DELETE CASCADE,
        session_hash        TEXT NOT NULL CHECK (length(session_hash) = 64),
        status              TEXT NOT NULL CHECK (status IN ('Enabled', 'Disabled')),
        outcome             TEXT NOT NULL,
        created_at          TEXT NOT NULL,
        undo_until          TEXT NOT NULL,
        undone_at           TEXT,
        undo_outcome        TEXT
    );
    CREATE INDEX bulk_changes_user ON bulk_changes (user_id);
    CREATE TABLE bulk_change_rows (
        bulk_id             INTEGER NOT NULL REFERENCES bulk_changes(id) ON DELETE CASCADE,
        connection_id       INTEGER NOT NULL,
        version             INTEGER NOT NULL,
        PRIMARY KEY (bulk_id, connection_id)
    ) WITHOUT ROWID;
    -- The SMTP settings an Admin of every organization saves on /email (Domain's EmailSettings): one
    -- row, sealed with AES-256-GCM under the installation key (base64url), which is kept in a file, not here.
    CREATE TABLE email_settings (
        id                  INTEGER PRIMARY KEY CHECK (id = 1),
        sealed              TEXT NOT NULL,
        updated_at          TEXT NOT NULL,
        updated_by          INTEGER REFERENCES users(id) ON DELETE SET NULL
    );
    """

    static let driverSearch = """
    -- The console's search box finds drivers by the name typed with a request and by email, through
    -- trigram indexes kept in step by triggers, as connections_search does for connections.
    CREATE VIRTUAL TABLE memberships_search USING fts5(driver_name, content='memberships', content_rowid='id', tokenize='trigram', columnsize=0);
    CREATE TRIGGER memberships_search_insert AFTER INSERT ON memberships BEGIN INSERT INTO memberships_search (rowid, driver_name) VALUES (NEW.id, NEW.driver_name); END;
    CREATE TRIGGER memberships_search_delete AFTER DELETE ON memberships BEGIN INSERT INTO memberships_search (memberships_search, rowid, driver_name) VALUES ('delete', OLD.id, OLD.driver_name); END;
    CREATE TRIGGER memberships_search_update AFTER UPDATE OF driver_name ON memberships BEGIN INSERT INTO memberships_search (memberships_search, rowid, driver_name) VALUES ('delete', OLD.id, OLD.driver_name); INSERT INTO memberships_search (rowid, driver_name) VALUES (NEW.id, NEW.driver_name); END;
    INSERT INTO memberships_search (memberships_search) VALUES ('rebuild');
    CREATE VIRTUAL TABLE drivers_search USING fts5(email, content='drivers', content_rowid='id', tokenize='trigram', columnsize=0);
    CREATE TRIGGER drivers_search_insert AFTER INSERT ON drivers BEGIN INSERT INTO drivers_search (rowid, email) VALUES (NEW.id, NEW.email); END;
    CREATE TRIGGER drivers_search_delete AFTER DELETE ON drivers BEGIN INSERT INTO drivers_search (drivers_search, rowid, email) VALUES ('delete', OLD.id, OLD.email); END;
    CREATE TRIGGER drivers_search_update AFTER UPDATE OF email ON drivers BEGIN INSERT INTO drivers_search (drivers_search, rowid, email) VALUES ('delete', OLD.id, OLD.email); INSERT INTO drivers_search (rowid, email) VALUES (NEW.id, NEW.email); END;
    INSERT INTO drivers_search (drivers_search) VALUES ('rebuild');
    """

    static let rateWindows = """
    -- Every rate limit's events (join requests, failed sign-ins, search-code misses) as one counter
    -- per subject and minute (Domain's RateWindow), so a check reads a window's buckets, not each
    -- event. A bucket leaves its window `expires_at` (seconds since 1970), counted from its first
    -- event; `last_at` is its latest. The events of the two old tables are moved into buckets
    -- (10 minutes for joins, 15 for sign-ins), so limits in force stay in force.
    CREATE TABLE rate_windows (
        subject             TEXT NOT NULL,
        bucket              INTEGER NOT NULL,
        events              INTEGER NOT NULL CHECK (events >= 1),
        expires_at          INTEGER NOT NULL,
        last_at             INTEGER NOT NULL,
        PRIMARY KEY (subject, bucket)
    ) WITHOUT ROWID;
    CREATE INDEX rate_windows_expires_at ON rate_windows (expires_at);
    INSERT INTO rate_windows (subject, bucket, events, expires_at, last_at)
        SELECT subject, at / 60, count(*), min(at) + 600, max(at)
        FROM (SELECT subject, CAST(strftime('%s', at) AS INTEGER) AS at FROM rate_events) GROUP BY subject, at / 60;
    INSERT INTO rate_windows (subject, bucket, events, expires_at, last_at)
        SELECT subject, at / 60, count(*), min(at) + 900, max(at)
        FROM (SELECT subject, CAST(strftime('%s', at) AS INTEGER) AS at FROM sign_in_failures) GROUP BY subject, at / 60;
    DROP TABLE rate_events;
    DROP TABLE sign_in_failures;
    """

    static let hashedSecrets = """
    -- Secrets handed out (cookies, links) are stored as their SHA-256 only (Domain's Secret), as API
    -- tokens and device cookies already were: a copy of the database (a backup, a replica) hands out
    -- no working session or link. Sessions end here (everyone signs in again); links already sent
    -- keep working, since their stored values are hashed in place (`sha256_hex` is the app's).
    DELETE FROM sessions;
    ALTER TABLE sessions RENAME COLUMN token TO token_hash;

    UPDATE email_confirmations SET token = sha256_hex(token);
    ALTER TABLE email_confirmations RENAME COLUMN token TO token_hash;

    -- A request's status links: the one its page gave and one per email about it (the email's
    -- link is drawn when the email is queued, as only the hash is kept). All lead to its status.
    CREATE TABLE status_links (
        token_hash          TEXT PRIMARY KEY CHECK (length(token_hash) = 64),
        membership_id       INTEGER NOT NULL REFERENCES memberships(id) ON DELETE CASCADE
    ) WITHOUT ROWID;
    CREATE INDEX status_links_membership ON status_links (membership_id);
    INSERT INTO status_links (token_hash, membership_id) SELECT sha256_hex(status_token), id FROM memberships;
    DROP INDEX memberships_status_token;
    ALTER TABLE memberships DROP COLUMN status_token;

    -- A host's unsubscribe links, one per digest sent (drawn when it is sent), each turning digests off.
    CREATE TABLE unsubscribe_links (
        token_hash          TEXT PRIMARY KEY CHECK (length(token_hash) = 64),
        user_id             INTEGER NOT NULL REFERENCES users(id) ON DELETE CASCADE
    ) WITHOUT ROWID;
    CREATE INDEX unsubscribe_links_user ON unsubscribe_links (user_id);
    INSERT INTO unsubscribe_links (token_hash, user_id) SELECT sha256_hex(unsubscribe_token), user_id FROM digest_settings;
    CREATE TABLE digest_settings_new (
        user_id             INTEGER PRIMARY KEY REFERENCES users(id) ON DELETE CASCADE,
        enabled             INTEGER NOT NULL DEFAULT 1 CHECK (enabled IN (0, 1)),
        last_due_at         TEXT
    );
    INSERT INTO digest_settings_new (user_id, enabled, last_due_at) SELECT user_id, enabled, last_due_at FROM digest_settings;
    DROP TABLE digest_settings;
    ALTER TABLE digest_settings_new RENAME TO digest_settings;

    -- No email keeps its links in its stored text: a sent one needs them no more, and the sender
    -- draws a queued one's links when it sends it (by its membership), storing only their hashes.
    UPDATE outbox SET payload = json_remove(payload, '$.statusToken', '$.confirmToken');

    -- An Admin's invitation of a person (an email address) to an organization with a role. Nothing
    -- changes until the person accepts it, by the emailed link (an unknown address creates its
    -- account there) or at their next sign-in; the Admin's answer is the same whether the address
    -- has an account or not. Accepted, declined and revoked ones are deleted (the audit log keeps them).
    CREATE TABLE user_invitations (
        id                  INTEGER PRIMARY KEY,
        org_id              INTEGER NOT NULL REFERENCES organizations(id) ON DELETE CASCADE,
        email               TEXT NOT NULL COLLATE NOCASE CHECK (length(email) BETWEEN 3 AND 254 AND email GLOB '?*@?*'),
        role                TEXT NOT NULL CHECK (role IN ('Admin', 'Connections officer', 'Viewer')),
        token_hash          TEXT NOT NULL UNIQUE CHECK (length(token_hash) = 64),
        invited_by          INTEGER REFERENCES users(id) ON DELETE SET NULL,
        created_at          TEXT NOT NULL,
        expires_at          TEXT NOT NULL
    );
    CREATE UNIQUE INDEX user_invitations_org_email ON user_invitations (org_id, email);
    CREATE INDEX user_invitations_email ON user_invitations (email);

    -- The invitation's email: a kind the outbox's CHECK must allow, so the table is rebuilt.
    CREATE TABLE outbox_new (
        id                  INTEGER PRIMARY KEY,
        kind                TEXT NOT NULL CHECK (kind IN ('request received', 'request approved', 'request denied', 'driver removed',
                                'email confirmation', 'status link', 'invite', 'digest', 'user invitation')),
        org_id              INTEGER REFERENCES organizations(id) ON DELETE SET NULL,
        user_id             INTEGER REFERENCES users(id) ON DELETE CASCADE,
        membership_id       INTEGER REFERENCES memberships(id) ON DELETE SET NULL,
        recipient           TEXT NOT NULL CHECK (length(recipient) BETWEEN 3 AND 254),
        payload             TEXT NOT NULL DEFAULT '{}' CHECK (json_valid(payload)),
        message_key         TEXT NOT NULL UNIQUE CHECK (length(message_key) >= 22),
        state               TEXT NOT NULL DEFAULT 'queued' CHECK (state IN ('queued', 'sending', 'sent', 'failed', 'skipped')),
        attempts            INTEGER NOT NULL DEFAULT 0 CHECK (attempts >= 0),
        due_at              TEXT NOT NULL,
        last_error          TEXT CHECK (last_error IS NULL OR length(last_error) <= 500),
        created_at          TEXT NOT NULL,
        sent_at             TEXT
    );
    INSERT INTO outbox_new SELECT id, kind, org_id, user_id, membership_id, recipient, payload, message_key, state, attempts, due_at,
        last_error, created_at, sent_at FROM outbox;
    DROP TABLE outbox;
    ALTER TABLE outbox_new RENAME TO outbox;
    CREATE INDEX outbox_due ON outbox (due_at) WHERE state = 'queued';
    CREATE INDEX outbox_state_org ON outbox (state, org_id);
    CREATE INDEX outbox_org_kind ON outbox (org_id, kind, created_at);
    CREATE INDEX outbox_user ON outbox (user_id) WHERE user_id IS NOT NULL;
    CREATE INDEX outbox_membership ON outbox (membership_id) WHERE membership_id IS NOT NULL;
    """

    static let apiCallAllowance = """
    -- Each API token's calls, counted here so that every process and host takes from one allowance
    -- and a restart grants none: the time (microseconds since 1970) when the token's bucket is full
    -- again, moved forward by each call taken, and how many calls the last take granted (read back
    -- by its RETURNING; a process takes a few at once).
    ALTER TABLE api_tokens ADD COLUMN rate_full_at INTEGER NOT NULL DEFAULT 0;
    ALTER TABLE api_tokens ADD COLUMN rate_granted INTEGER NOT NULL DEFAULT 0;
    """

    static let apiTokens = """
    -- Tokens for the JSON API, each a user's, with a name the audit log shows. Only the SHA-256 of
    -- the token's 256 random bits is kept: a copy of the database hands out no working token.
    -- Revoking deletes the row, so the token stops working at once.
    CREATE TABLE api_tokens (
        id                  INTEGER PRIMARY KEY,
        user_id             INTEGER NOT NULL REFERENCES users(id) ON DELETE CASCADE,
        name                TEXT NOT NULL CHECK (length(trim(name)) BETWEEN 1 AND 100 AND instr(name, char(10)) = 0),
        token_hash          TEXT NOT NULL CHECK (length(token_hash) = 64),
        created_at          TEXT NOT NULL,
        expires_at          TEXT,
        last_used_at        TEXT
    );
    CREATE UNIQUE INDEX api_tokens_token_hash ON api_tokens (token_hash);
    CREATE UNIQUE INDEX api_tokens_user_name ON api_tokens (user_id, name COLLATE NOCASE);
    """

    static let installationSecrets = """
    -- Keys of this installation, drawn once here: the form-token key signs the tokens of forms shown
    -- before any session exists, so that clients cannot make them up.
    CREATE TABLE installation_secrets (
        name                TEXT PRIMARY KEY,
        value               BLOB NOT NULL CHECK (length(value) >= 32)
    ) WITHOUT ROWID;
    INSERT INTO installation_secrets (name, value) VALUES ('form-tokens', randomblob(32));
    """

    static let email = """
    -- Every email is a row here, written in the transaction of the event that causes it (a request
    -- received, a decision, an invite), so none is lost when the app stops and none goes out for an
    -- event that rolled back. One process at a time delivers them (outbox_lease).
    CREATE TABLE outbox (
        id                  INTEGER PRIMARY KEY,
        kind                TEXT NOT NULL CHECK (kind IN ('request received', 'request approved', 'request denied', 'driver removed',
                                'email confirmation', 'status link', 'invite', 'digest')),
        -- Whose it is: the connection's organization (drivers, invites), or the user a digest goes to.
        org_id              INTEGER REFERENCES organizations(id) ON DELETE SET NULL,
        user_id             INTEGER REFERENCES users(id) ON DELETE CASCADE,
        membership_id       INTEGER REFERENCES memberships(id) ON DELETE SET NULL,
        recipient           TEXT NOT NULL CHECK (length(recipient) BETWEEN 3 AND 254),
        -- What the message says, as of the event: names, the reason, the tokens of its links.
        payload             TEXT NOT NULL DEFAULT '{}' CHECK (json_valid(payload)),
        -- The unique part of its Message-ID, drawn once: a resend after a crash carries the same one.
        message_key         TEXT NOT NULL UNIQUE CHECK (length(message_key) >= 22),
        state               TEXT NOT NULL DEFAULT 'queued' CHECK (state IN ('queued', 'sending', 'sent', 'failed', 'skipped')),
        attempts            INTEGER NOT NULL DEFAULT 0 CHECK (attempts >= 0),
        -- Not before: a retry's backoff, a digest's hour.
        due_at              TEXT NOT NULL,
        last_error          TEXT CHECK (last_error IS NULL OR length(last_error) <= 500),
        created_at          TEXT NOT NULL,
        sent_at             TEXT
    );
    CREATE INDEX outbox_due ON outbox (due_at) WHERE state = 'queued';
    CREATE INDEX outbox_state_org ON outbox (state, org_id);
    CREATE INDEX outbox_org_kind ON outbox (org_id, kind, created_at);
    CREATE INDEX outbox_user ON outbox (user_id) WHERE user_id IS NOT NULL;
    CREATE INDEX outbox_membership ON outbox (membership_id) WHERE membership_id IS NOT NULL;

    -- Who delivers the outbox: one process at a time, for as long as it renews its lease.
    CREATE TABLE outbox_lease (
        id                  INTEGER PRIMARY KEY CHECK (id = 1),
        holder              TEXT NOT NULL,
        expires_at          TEXT NOT NULL
    );

    -- A link emailed to the address of a request whose domain is on the connection's allow-list:
    -- opened once before it expires, it shows the driver reads that address.
    CREATE TABLE email_confirmations (
        token               TEXT PRIMARY KEY CHECK (length(token) >= 43),
        membership_id       INTEGER NOT NULL REFERENCES memberships(id) ON DELETE CASCADE,
        expires_at          TEXT NOT NULL,
        confirmed_at        TEXT
    ) WITHOUT ROWID;
    CREATE INDEX email_confirmations_membership ON email_confirmations (membership_id);

    -- A host's digest of waiting requests: on unless turned off, at most one an hour.
    CREATE TABLE digest_settings (
        user_id             INTEGER PRIMARY KEY REFERENCES users(id) ON DELETE CASCADE,
        enabled             INTEGER NOT NULL DEFAULT 1 CHECK (enabled IN (0, 1)),
        -- The secret of the List-Unsubscribe link, which turns the digest off without signing in.
        unsubscribe_token   TEXT NOT NULL UNIQUE CHECK (length(unsubscribe_token) >= 43),
        -- When the latest digest was due: the next is due an hour later at the earliest.
        last_due_at         TEXT
    );
    """

    static let knownDevices = """
    -- Browsers that signed in successfully (OWASP's device cookies): the SHA-256 of the cookie's
    -- 256 random bits, per user. Guessing elsewhere never refuses the right password from one of these.
    CREATE TABLE known_devices (
        token_hash          TEXT NOT NULL CHECK (length(token_hash) = 64),
        user_id             INTEGER NOT NULL REFERENCES users(id) ON DELETE CASCADE,
        created_at          TEXT NOT NULL,
        last_used_at        TEXT NOT NULL,
        PRIMARY KEY (token_hash, user_id)
    ) WITHOUT ROWID;
    CREATE INDEX known_devices_user ON known_devices (user_id);
    """

    static let version6 = """
    -- The name a driver typed belongs to that request (that organization), not to every connection
    -- the email later joins: each membership keeps its own. drivers.name stays the first name seen,
    -- and no page shows it. Every row has one: backfilled here, and a row written without one (by a
    -- process of the previous release during a rolling restart) takes its driver's first name.
    ALTER TABLE memberships ADD COLUMN driver_name TEXT CHECK (length(trim(driver_name)) BETWEEN 1 AND 200);
    UPDATE memberships SET driver_name = (SELECT d.name FROM drivers d WHERE d.id = memberships.driver_id);
    CREATE TRIGGER memberships_driver_name_insert AFTER INSERT ON memberships WHEN NEW.driver_name IS NULL BEGIN
        UPDATE memberships SET driver_name = (SELECT d.name FROM drivers d WHERE d.id = NEW.driver_id) WHERE id = NEW.id;
    END;
    CREATE TRIGGER memberships_driver_name_update BEFORE UPDATE OF driver_name ON memberships WHEN NEW.driver_name IS NULL BEGIN
        SELECT RAISE(ABORT, 'NOT NULL constraint failed: memberships.driver_name');
    END;

    -- Events counted against a limit over a window (join requests per address, per connection),
    -- counted and written in the transaction that decides, so concurrent requests cannot race past it.
    CREATE TABLE rate_events (
        id                  INTEGER PRIMARY KEY,
        subject             TEXT NOT NULL CHECK (length(subject) BETWEEN 1 AND 300),
        at                  TEXT NOT NULL
    );
    CREATE INDEX rate_events_subject ON rate_events (subject, at);
    CREATE INDEX rate_events_at ON rate_events (at);

    -- Tokens of single-use forms (a driver's request) already sent: each is good for one request.
    CREATE TABLE spent_form_tokens (
        token               TEXT PRIMARY KEY CHECK (length(token) BETWEEN 22 AND 100),
        spent_at            TEXT NOT NULL
    ) WITHOUT ROWID;
    CREATE INDEX spent_form_tokens_spent_at ON spent_form_tokens (spent_at);
    """

    // `SearchIndex.connections` with its triggers, as the code generated them when this was released:
    // literal text, so no later change to that code changes what a new database gets.
    static let version3 = """
    CREATE VIRTUAL TABLE connections_search USING fts5(name, benefits_list, questions_list, content='connections', content_rowid='rowid',
        tokenize='trigram', columnsize=0);
    CREATE TRIGGER connections_search_insert AFTER INSERT ON connections BEGIN INSERT INTO connections_search (rowid, name, benefits_list, questions_list) VALUES (NEW.rowid, NEW.name, NEW.benefits_list, NEW.questions_list); END;
    CREATE TRIGGER connections_search_delete AFTER DELETE ON connections BEGIN INSERT INTO connections_search (connections_search, rowid, name, benefits_list, questions_list) VALUES ('delete', OLD.rowid, OLD.name, OLD.benefits_list, OLD.questions_list); END;
    CREATE TRIGGER connections_search_update AFTER UPDATE OF name, benefits_list, questions_list ON connections BEGIN INSERT INTO connections_search (connections_search, rowid, name, benefits_list, questions_list) VALUES ('delete', OLD.rowid, OLD.name, OLD.benefits_list, OLD.questions_list); INSERT INTO connections_search (rowid, name, benefits_list, questions_list) VALUES (NEW.rowid, NEW.name, NEW.benefits_list, NEW.questions_list); END;
    INSERT INTO connections_search (connections_search) VALUES ('rebuild');
    """

    static let version4 = """
    -- A user's choices that follow them from browser to browser (the table's columns).
    CREATE TABLE user_preferences (
        user_id             INTEGER NOT NULL REFERENCES users(id) ON DELETE CASCADE,
        name                TEXT NOT NULL,
        value               TEXT NOT NULL CHECK (length(value) <= 2000),
        PRIMARY KEY (user_id, name)
    ) WITHOUT ROWID;
    """

    static let version2 = """
    CREATE TABLE sessions (
        -- 256 random bits, the value of the session cookie.
        token               TEXT PRIMARY KEY CHECK (length(token) >= 43),
        user_id             INTEGER NOT NULL REFERENCES users(id) ON DELETE CASCADE,
        csrf_token          TEXT NOT NULL CHECK (length(csrf_token) >= 22),
        created_at          TEXT NOT NULL,
        last_seen_at        TEXT NOT NULL
    ) WITHOUT ROWID;
    CREATE INDEX sessions_user ON sessions (user_id);

    -- Failed sign-ins by account and by address, for slowing and refusing guessers.
    CREATE TABLE sign_in_failures (
        id                  INTEGER PRIMARY KEY,
        subject             TEXT NOT NULL,
        at                  TEXT NOT NULL
    );
    CREATE INDEX sign_in_failures_subject ON sign_in_failures (subject, at);
    """

    static let version1 = """
    CREATE TABLE organizations (
        id                  INTEGER PRIMARY KEY,
        name                TEXT NOT NULL UNIQUE CHECK (length(trim(name)) BETWEEN 1 AND 200),
        name_for_drivers    TEXT NOT NULL CHECK (length(trim(name_for_drivers)) BETWEEN 1 AND 200),
        created_at          TEXT NOT NULL
    );

    CREATE TABLE connections (
        id                  INTEGER PRIMARY KEY,
        org_id              INTEGER NOT NULL REFERENCES organizations(id),
        name                TEXT NOT NULL CHECK (length(trim(name)) BETWEEN 1 AND 100 AND instr(name, char(10)) = 0),
        status              TEXT NOT NULL CHECK (status IN ('Enabled', 'Disabled')),
        connection_type     TEXT NOT NULL CHECK (connection_type IN ('Standard', 'MFHS Personal Charging Connection', 'Leasing Company')),
        approval_type       TEXT NOT NULL CHECK (approval_type IN ('Automatically approve all', 'Automatically approve by email domain', 'Manually approve')),
        visibility          TEXT NOT NULL CHECK (visibility IN ('Public', 'Private')),
        -- Stored normalized: upper case, no spaces, no look-alike characters (0/O, 1/I/L).
        -- (ltrim with a character set is empty when every character is in the set; far cheaper than GLOB.)
        search_code         TEXT NOT NULL CHECK (length(search_code) BETWEEN 6 AND 12
                                AND ltrim(search_code, 'ABCDEFGHJKMNPQRSTUVWXYZ23456789') = ''),
        -- base64url of at least 128 random bits.
        invite_token        TEXT NOT NULL CHECK (length(invite_token) >= 22
                                AND ltrim(invite_token, 'ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789-_') = ''),
        -- Counted by the membership triggers below; never written directly.
        connected_drivers   INTEGER NOT NULL DEFAULT 0 CHECK (connected_drivers >= 0),
        pending_requests    INTEGER NOT NULL DEFAULT 0 CHECK (pending_requests >= 0),
        -- The child rows below as display text, one item per line, for the table, filters and
        -- exports without a join. Written with the child rows, by the domain's ConnectionWriter only.
        benefits_list       TEXT NOT NULL DEFAULT '',
        questions_list      TEXT NOT NULL DEFAULT '',
        -- Optimistic concurrency: a save names the version it edited.
        version             INTEGER NOT NULL DEFAULT 1 CHECK (version >= 1),
        created_at          TEXT NOT NULL,
        updated_at          TEXT NOT NULL
    );
    -- Unique constraints as named indexes, so that a bulk load can build them after the rows.
    CREATE UNIQUE INDEX connections_org_name ON connections (org_id, name COLLATE NOCASE);
    CREATE UNIQUE INDEX connections_search_code ON connections (search_code);
    CREATE UNIQUE INDEX connections_invite_token ON connections (invite_token);
    CREATE INDEX connections_name ON connections (name COLLATE NOCASE);
    CREATE INDEX connections_status ON connections (status);
    CREATE INDEX connections_connection_type ON connections (connection_type);
    CREATE INDEX connections_approval_type ON connections (approval_type);
    CREATE INDEX connections_visibility ON connections (visibility);
    CREATE INDEX connections_connected_drivers ON connections (connected_drivers);
    CREATE INDEX connections_pending_requests ON connections (pending_requests);
    CREATE INDEX connections_created_at ON connections (created_at);
    CREATE INDEX connections_updated_at ON connections (updated_at);

    CREATE TABLE connection_benefits (
        connection_id       INTEGER NOT NULL REFERENCES connections(id) ON DELETE CASCADE,
        position            INTEGER NOT NULL CHECK (position >= 0),
        kind                TEXT NOT NULL CHECK (kind IN ('Free charging', 'Discounted charging', 'Access to restricted stations',
                                                         'Reserved hours', 'Home charging reimbursement', 'Public charging')),
        discount_percent    INTEGER CHECK (discount_percent BETWEEN 1 AND 100),
        PRIMARY KEY (connection_id, kind),
        CHECK ((kind = 'Discounted charging') = (discount_percent IS NOT NULL))
    ) WITHOUT ROWID;

    CREATE TABLE connection_questions (
        connection_id       INTEGER NOT NULL REFERENCES connections(id) ON DELETE CASCADE,
        position            INTEGER NOT NULL CHECK (position >= 0),
        prompt              TEXT NOT NULL CHECK (length(trim(prompt)) BETWEEN 1 AND 120 AND instr(prompt, char(10)) = 0),
        PRIMARY KEY (connection_id, position)
    ) WITHOUT ROWID;

    CREATE TABLE connection_email_domains (
        connection_id       INTEGER NOT NULL REFERENCES connections(id) ON DELETE CASCADE,
        domain              TEXT NOT NULL CHECK (domain = lower(domain) AND length(domain) BETWEEN 3 AND 253
                                AND instr(domain, '.') > 1 AND ltrim(domain, 'abcdefghijklmnopqrstuvwxyz0123456789.-') = ''),
        PRIMARY KEY (connection_id, domain)
    ) WITHOUT ROWID;

    CREATE TABLE drivers (
        id                  INTEGER PRIMARY KEY,
        name                TEXT NOT NULL CHECK (length(trim(name)) BETWEEN 1 AND 200),
        email               TEXT NOT NULL COLLATE NOCASE CHECK (length(email) BETWEEN 3 AND 254 AND email GLOB '?*@?*'),
        created_at          TEXT NOT NULL
    );
    CREATE UNIQUE INDEX drivers_email ON drivers (email);

    CREATE TABLE memberships (
        id                  INTEGER PRIMARY KEY,
        connection_id       INTEGER NOT NULL REFERENCES connections(id) ON DELETE CASCADE,
        driver_id           INTEGER NOT NULL REFERENCES drivers(id),
        state               TEXT NOT NULL CHECK (state IN ('Pending', 'Connected', 'Denied', 'Removed')),
        denial_reason       TEXT CHECK (denial_reason IS NULL OR length(denial_reason) <= 500),
        -- The driver's private, bookmarkable status page.
        status_token        TEXT NOT NULL CHECK (length(status_token) >= 22),
        requested_at        TEXT NOT NULL,
        decided_at          TEXT,
        decided_by_user_id  INTEGER REFERENCES users(id) ON DELETE SET NULL,
        CHECK (state <> 'Denied' OR denial_reason IS NOT NULL)
    );
    CREATE UNIQUE INDEX memberships_connection_driver ON memberships (connection_id, driver_id);
    CREATE UNIQUE INDEX memberships_status_token ON memberships (status_token);
    CREATE INDEX memberships_driver ON memberships (driver_id);
    CREATE INDEX memberships_pending ON memberships (connection_id, requested_at) WHERE state = 'Pending';

    CREATE TABLE membership_answers (
        membership_id       INTEGER NOT NULL REFERENCES memberships(id) ON DELETE CASCADE,
        position            INTEGER NOT NULL CHECK (position >= 0),
        prompt              TEXT NOT NULL,
        answer              TEXT NOT NULL CHECK (length(trim(answer)) BETWEEN 1 AND 500),
        PRIMARY KEY (membership_id, position)
    ) WITHOUT ROWID;

    -- Connected Drivers and Pending Requests counted as memberships change.
    CREATE TRIGGER memberships_count_insert AFTER INSERT ON memberships BEGIN
        UPDATE connections
        SET connected_drivers = connected_drivers + (NEW.state = 'Connected'),
            pending_requests = pending_requests + (NEW.state = 'Pending')
        WHERE id = NEW.connection_id;
    END;
    CREATE TRIGGER memberships_count_update AFTER UPDATE OF state, connection_id ON memberships BEGIN
        UPDATE connections
        SET connected_drivers = connected_drivers - (OLD.state = 'Connected'),
            pending_requests = pending_requests - (OLD.state = 'Pending')
        WHERE id = OLD.connection_id;
        UPDATE connections
        SET connected_drivers = connected_drivers + (NEW.state = 'Connected'),
            pending_requests = pending_requests + (NEW.state = 'Pending')
        WHERE id = NEW.connection_id;
    END;
    CREATE TRIGGER memberships_count_delete AFTER DELETE ON memberships BEGIN
        UPDATE connections
        SET connected_drivers = connected_drivers - (OLD.state = 'Connected'),
            pending_requests = pending_requests - (OLD.state = 'Pending')
        WHERE id = OLD.connection_id;
    END;

    CREATE TABLE users (
        id                  INTEGER PRIMARY KEY,
        email               TEXT NOT NULL UNIQUE COLLATE NOCASE CHECK (length(email) BETWEEN 3 AND 254 AND email GLOB '?*@?*'),
        name                TEXT NOT NULL CHECK (length(trim(name)) BETWEEN 1 AND 200),
        password_hash       TEXT NOT NULL,
        created_at          TEXT NOT NULL
    );

    CREATE TABLE user_roles (
        user_id             INTEGER NOT NULL REFERENCES users(id) ON DELETE CASCADE,
        org_id              INTEGER NOT NULL REFERENCES organizations(id) ON DELETE CASCADE,
        role                TEXT NOT NULL CHECK (role IN ('Admin', 'Connections officer', 'Viewer')),
        PRIMARY KEY (user_id, org_id)
    ) WITHOUT ROWID;
    CREATE INDEX user_roles_org ON user_roles (org_id);

    CREATE TABLE audit_log (
        id                  INTEGER PRIMARY KEY,
        at                  TEXT NOT NULL,
        user_id             INTEGER REFERENCES users(id) ON DELETE SET NULL,
        -- Kept as text so the record survives the user's removal.
        actor               TEXT NOT NULL,
        org_id              INTEGER REFERENCES organizations(id) ON DELETE SET NULL,
        action              TEXT NOT NULL,
        subject             TEXT NOT NULL DEFAULT '',
        details             TEXT NOT NULL DEFAULT '{}' CHECK (json_valid(details))
    );
    CREATE INDEX audit_log_org_at ON audit_log (org_id, at);
    """
}
