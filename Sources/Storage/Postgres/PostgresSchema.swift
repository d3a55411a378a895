/// PostgreSQL's migrations: the frozen baseline of SQLite's migrations 1 to 9 (an installation
/// made before the schema description started there) and the later steps, at the same versions as
/// SQLite's. A new installation is made from `Schema.current` instead; a later change is a new
/// migration in both lists and an edit of that description.
///
/// What differs, and why:
/// - Text is `COLLATE "C"`: sorted and compared by bytes, as SQLite's BINARY does, whatever the
///   database's locale. NOCASE (ASCII letters only) is `lower()` under that collation, which
///   folds ASCII letters only too; its unique indexes are on `lower(...)`.
/// - Until migration 12 the functions of SQLite the shared SQL used were defined here (`instr`,
///   `hex`, `json_each` of an id list, SQLite's `substr`); `SQLDialect` now spells each for its
///   database, and `fold` and `sha256_hex` remain.
/// - Contains is answered by `pg_trgm` GIN indexes on the folded text instead of FTS5.
/// - The membership counters are one PL/pgSQL trigger.
public enum PostgresSchema {
    public static let migrations: [Migration] = [
        Migration(version: 9, name: "the schema of SQLite's migrations 1 to 9", sql: baseline),
        Migration(version: 10, name: "secrets stored as hashes, user invitations", sql: hashedSecrets),
        Migration(version: 11, name: "API tokens' call allowance", sql: apiCallAllowance),
        Migration(version: 12, name: "rate windows: counters per subject and minute", sql: rateWindows),
        Migration(version: 13, name: "the search box's indexes of drivers' names and emails", sql: driverSearch),
    ]

    /// SQLite's migration 13 (read its comments there): pg_trgm indexes on the folded texts.
    static let driverSearch = """
    CREATE INDEX memberships_search_driver_name ON memberships USING gin (fold(driver_name) gin_trgm_ops);
    CREATE INDEX drivers_search_email ON drivers USING gin (fold(email) gin_trgm_ops);
    """

    /// SQLite's migration 12 (read its comments there).
    static let rateWindows = """
    CREATE TABLE rate_windows (
        subject             text COLLATE "C" NOT NULL,
        bucket              bigint NOT NULL,
        events              integer NOT NULL CHECK (events >= 1),
        expires_at          bigint NOT NULL,
        last_at             bigint NOT NULL,
        PRIMARY KEY (subject, bucket)
    );
    CREATE INDEX rate_windows_expires_at ON rate_windows (expires_at);
    INSERT INTO rate_windows (subject, bucket, events, expires_at, last_at)
        SELECT subject, at / 60, count(*), min(at) + 600, max(at)
        FROM (SELECT subject, extract(epoch FROM at::timestamptz)::bigint AS at FROM rate_events) AS moved GROUP BY subject, at / 60;
    INSERT INTO rate_windows (subject, bucket, events, expires_at, last_at)
        SELECT subject, at / 60, count(*), min(at) + 900, max(at)
        FROM (SELECT subject, extract(epoch FROM at::timestamptz)::bigint AS at FROM sign_in_failures) AS moved GROUP BY subject, at / 60;
    DROP TABLE rate_events;
    DROP TABLE sign_in_failures;
    -- SQLite's functions the shared SQL once needed here: each dialect now spells its own.
    DROP FUNCTION instr(text, text), instr(bigint, text), sqlite_substr(text, integer), sqlite_substr(bigint, integer),
        sqlite_substr(text, integer, integer), hex(bytea), json_each(text);
    """

    /// SQLite's migration 10 (read its comments there).
    static let hashedSecrets = #"""
    -- SQLite's sha256_hex(), which the app registers there.
    CREATE FUNCTION sha256_hex(value text) RETURNS text
        LANGUAGE sql IMMUTABLE STRICT PARALLEL SAFE AS $$ SELECT encode(sha256(convert_to(value, 'UTF8')), 'hex') $$;

    DELETE FROM sessions;
    ALTER TABLE sessions RENAME COLUMN token TO token_hash;

    UPDATE email_confirmations SET token = sha256_hex(token);
    ALTER TABLE email_confirmations RENAME COLUMN token TO token_hash;

    CREATE TABLE status_links (
        token_hash          text COLLATE "C" PRIMARY KEY CHECK (length(token_hash) = 64),
        membership_id       bigint NOT NULL REFERENCES memberships(id) ON DELETE CASCADE
    );
    CREATE INDEX status_links_membership ON status_links (membership_id);
    INSERT INTO status_links (token_hash, membership_id) SELECT sha256_hex(status_token), id FROM memberships;
    ALTER TABLE memberships DROP COLUMN status_token;

    CREATE TABLE unsubscribe_links (
        token_hash          text COLLATE "C" PRIMARY KEY CHECK (length(token_hash) = 64),
        user_id             bigint NOT NULL REFERENCES users(id) ON DELETE CASCADE
    );
    CREATE INDEX unsubscribe_links_user ON unsubscribe_links (user_id);
    INSERT INTO unsubscribe_links (token_hash, user_id) SELECT sha256_hex(unsubscribe_token), user_id FROM digest_settings;
    ALTER TABLE digest_settings DROP COLUMN unsubscribe_token;

    UPDATE outbox SET payload = (payload::jsonb - 'statusToken' - 'confirmToken')::text;

    CREATE TABLE user_invitations (
        id                  bigint GENERATED BY DEFAULT AS IDENTITY PRIMARY KEY,
        org_id              bigint NOT NULL REFERENCES organizations(id) ON DELETE CASCADE,
        email               text COLLATE "C" NOT NULL CHECK (length(email) BETWEEN 3 AND 254 AND email LIKE '_%@_%'),
        role                text COLLATE "C" NOT NULL CHECK (role IN ('Admin', 'Connections officer', 'Viewer')),
        token_hash          text COLLATE "C" NOT NULL UNIQUE CHECK (length(token_hash) = 64),
        invited_by          bigint REFERENCES users(id) ON DELETE SET NULL,
        created_at          text COLLATE "C" NOT NULL,
        expires_at          text COLLATE "C" NOT NULL
    );
    CREATE UNIQUE INDEX user_invitations_org_email ON user_invitations (org_id, lower(email));
    CREATE INDEX user_invitations_email ON user_invitations (lower(email));

    ALTER TABLE outbox DROP CONSTRAINT outbox_kind_check;
    ALTER TABLE outbox ADD CONSTRAINT outbox_kind_check CHECK (kind IN ('request received', 'request approved', 'request denied',
        'driver removed', 'email confirmation', 'status link', 'invite', 'digest', 'user invitation'));
    """#

    /// As SQLite's migration 11.
    static let apiCallAllowance = """
    ALTER TABLE api_tokens ADD COLUMN rate_full_at bigint NOT NULL DEFAULT 0,
                           ADD COLUMN rate_granted integer NOT NULL DEFAULT 0;
    """

    static let baseline = #"""
    CREATE EXTENSION IF NOT EXISTS pg_trgm;

    -- SQLite's instr(): the 1-based position of the first occurrence, 0 when absent.
    CREATE FUNCTION instr(haystack text, needle text) RETURNS integer
        LANGUAGE sql IMMUTABLE STRICT PARALLEL SAFE AS $$ SELECT strpos(haystack, needle) $$;
    CREATE FUNCTION instr(haystack bigint, needle text) RETURNS integer
        LANGUAGE sql IMMUTABLE STRICT PARALLEL SAFE AS $$ SELECT strpos(haystack::text, needle) $$;
    -- SQLite's substr(), whose negative start counts from the end.
    CREATE FUNCTION sqlite_substr(value text, start integer) RETURNS text
        LANGUAGE sql IMMUTABLE STRICT PARALLEL SAFE AS $$ SELECT CASE WHEN start < 0 THEN right(value, -start) ELSE substr(value, start) END $$;
    CREATE FUNCTION sqlite_substr(value bigint, start integer) RETURNS text
        LANGUAGE sql IMMUTABLE STRICT PARALLEL SAFE AS $$ SELECT sqlite_substr(value::text, start) $$;
    CREATE FUNCTION sqlite_substr(value text, start integer, count integer) RETURNS text
        LANGUAGE sql IMMUTABLE STRICT PARALLEL SAFE AS $$ SELECT substr(value, start, count) $$;
    -- Case folding beyond ASCII ("ÉCOLE" -> "école"), as the app's TextFolding.fold: lower() under
    -- ICU's root locale, whatever the database's locale. The app lowers character by character, so a
    -- capital sigma is σ even where ICU's context rule would make a word-final ς of it.
    CREATE FUNCTION fold(value text) RETURNS text
        LANGUAGE sql IMMUTABLE STRICT PARALLEL SAFE AS $$ SELECT lower(replace(value, 'Σ', 'σ') COLLATE "und-x-icu") $$;
    CREATE FUNCTION hex(value bytea) RETURNS text
        LANGUAGE sql IMMUTABLE STRICT PARALLEL SAFE AS $$ SELECT upper(encode(value, 'hex')) $$;
    -- An id list bound as one JSON array parameter, read as `IN (SELECT value FROM json_each(?))`.
    CREATE FUNCTION json_each(ids text) RETURNS TABLE (value bigint)
        LANGUAGE sql IMMUTABLE STRICT PARALLEL SAFE AS $$ SELECT element::bigint FROM json_array_elements_text(ids::json) AS element $$;

    CREATE TABLE organizations (
        id                  bigint GENERATED BY DEFAULT AS IDENTITY PRIMARY KEY,
        name                text COLLATE "C" NOT NULL UNIQUE CHECK (length(trim(name)) BETWEEN 1 AND 200),
        name_for_drivers    text COLLATE "C" NOT NULL CHECK (length(trim(name_for_drivers)) BETWEEN 1 AND 200),
        created_at          text COLLATE "C" NOT NULL
    );

    CREATE TABLE users (
        id                  bigint GENERATED BY DEFAULT AS IDENTITY PRIMARY KEY,
        email               text COLLATE "C" NOT NULL CHECK (length(email) BETWEEN 3 AND 254 AND email LIKE '_%@_%'),
        name                text COLLATE "C" NOT NULL CHECK (length(trim(name)) BETWEEN 1 AND 200),
        password_hash       text COLLATE "C" NOT NULL,
        created_at          text COLLATE "C" NOT NULL
    );
    CREATE UNIQUE INDEX users_email ON users (lower(email));

    CREATE TABLE connections (
        id                  bigint GENERATED BY DEFAULT AS IDENTITY PRIMARY KEY,
        org_id              bigint NOT NULL REFERENCES organizations(id),
        name                text COLLATE "C" NOT NULL CHECK (length(trim(name)) BETWEEN 1 AND 100 AND strpos(name, chr(10)) = 0),
        status              text COLLATE "C" NOT NULL CHECK (status IN ('Enabled', 'Disabled')),
        connection_type     text COLLATE "C" NOT NULL CHECK (connection_type IN ('Standard', 'MFHS Personal Charging Connection', 'Leasing Company')),
        approval_type       text COLLATE "C" NOT NULL CHECK (approval_type IN ('Automatically approve all', 'Automatically approve by email domain', 'Manually approve')),
        visibility          text COLLATE "C" NOT NULL CHECK (visibility IN ('Public', 'Private')),
        search_code         text COLLATE "C" NOT NULL CHECK (length(search_code) BETWEEN 6 AND 12
                                AND ltrim(search_code, 'ABCDEFGHJKMNPQRSTUVWXYZ23456789') = ''),
        invite_token        text COLLATE "C" NOT NULL CHECK (length(invite_token) >= 22
                                AND ltrim(invite_token, 'ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789-_') = ''),
        connected_drivers   bigint NOT NULL DEFAULT 0 CHECK (connected_drivers >= 0),
        pending_requests    bigint NOT NULL DEFAULT 0 CHECK (pending_requests >= 0),
        benefits_list       text COLLATE "C" NOT NULL DEFAULT '',
        questions_list      text COLLATE "C" NOT NULL DEFAULT '',
        version             bigint NOT NULL DEFAULT 1 CHECK (version >= 1),
        created_at          text COLLATE "C" NOT NULL,
        updated_at          text COLLATE "C" NOT NULL
    );
    CREATE UNIQUE INDEX connections_org_name ON connections (org_id, lower(name));
    CREATE UNIQUE INDEX connections_search_code ON connections (search_code);
    CREATE UNIQUE INDEX connections_invite_token ON connections (invite_token);
    -- These indexes end with id, as SQLite's end with the rowid: the table's tie-break
    -- (ORDER BY column, id) is then read from the index in order, not sorted from a whole group,
    -- and an organization's connection ids come from the index alone.
    CREATE INDEX connections_name ON connections (lower(name), id);
    CREATE INDEX connections_org ON connections (org_id, id);
    CREATE INDEX connections_status ON connections (status);
    CREATE INDEX connections_connection_type ON connections (connection_type);
    CREATE INDEX connections_approval_type ON connections (approval_type);
    CREATE INDEX connections_visibility ON connections (visibility);
    CREATE INDEX connections_connected_drivers ON connections (connected_drivers, id);
    CREATE INDEX connections_pending_requests ON connections (pending_requests, id);
    CREATE INDEX connections_created_at ON connections (created_at, id);
    CREATE INDEX connections_updated_at ON connections (updated_at, id);
    -- Contains of three characters or more: trigram indexes on the folded text (SQLite: FTS5 trigram).
    CREATE INDEX connections_search_name ON connections USING gin (fold(name) gin_trgm_ops);
    CREATE INDEX connections_search_benefits_list ON connections USING gin (fold(benefits_list) gin_trgm_ops);
    CREATE INDEX connections_search_questions_list ON connections USING gin (fold(questions_list) gin_trgm_ops);

    CREATE TABLE connection_benefits (
        connection_id       bigint NOT NULL REFERENCES connections(id) ON DELETE CASCADE,
        position            bigint NOT NULL CHECK (position >= 0),
        kind                text COLLATE "C" NOT NULL CHECK (kind IN ('Free charging', 'Discounted charging', 'Access to restricted stations',
                                                         'Reserved hours', 'Home charging reimbursement', 'Public charging')),
        discount_percent    bigint CHECK (discount_percent BETWEEN 1 AND 100),
        PRIMARY KEY (connection_id, kind),
        CHECK ((kind = 'Discounted charging') = (discount_percent IS NOT NULL))
    );

    CREATE TABLE connection_questions (
        connection_id       bigint NOT NULL REFERENCES connections(id) ON DELETE CASCADE,
        position            bigint NOT NULL CHECK (position >= 0),
        prompt              text COLLATE "C" NOT NULL CHECK (length(trim(prompt)) BETWEEN 1 AND 120 AND strpos(prompt, chr(10)) = 0),
        PRIMARY KEY (connection_id, position)
    );

    CREATE TABLE connection_email_domains (
        connection_id       bigint NOT NULL REFERENCES connections(id) ON DELETE CASCADE,
        domain              text COLLATE "C" NOT NULL CHECK (domain = lower(domain) AND length(domain) BETWEEN 3 AND 253
                                AND strpos(domain, '.') > 1 AND ltrim(domain, 'abcdefghijklmnopqrstuvwxyz0123456789.-') = ''),
        PRIMARY KEY (connection_id, domain)
    );

    CREATE TABLE drivers (
        id                  bigint GENERATED BY DEFAULT AS IDENTITY PRIMARY KEY,
        name                text COLLATE "C" NOT NULL CHECK (length(trim(name)) BETWEEN 1 AND 200),
        email               text COLLATE "C" NOT NULL CHECK (length(email) BETWEEN 3 AND 254 AND email LIKE '_%@_%'),
        created_at          text COLLATE "C" NOT NULL
    );
    CREATE UNIQUE INDEX drivers_email ON drivers (lower(email));

    CREATE TABLE memberships (
        id                  bigint GENERATED BY DEFAULT AS IDENTITY PRIMARY KEY,
        connection_id       bigint NOT NULL REFERENCES connections(id) ON DELETE CASCADE,
        driver_id           bigint NOT NULL REFERENCES drivers(id),
        state               text COLLATE "C" NOT NULL CHECK (state IN ('Pending', 'Connected', 'Denied', 'Removed')),
        denial_reason       text COLLATE "C" CHECK (denial_reason IS NULL OR length(denial_reason) <= 500),
        status_token        text COLLATE "C" NOT NULL CHECK (length(status_token) >= 22),
        requested_at        text COLLATE "C" NOT NULL,
        decided_at          text COLLATE "C",
        decided_by_user_id  bigint REFERENCES users(id) ON DELETE SET NULL,
        -- The name the driver typed for this request (SQLite's migration 6).
        driver_name         text COLLATE "C" NOT NULL CHECK (length(trim(driver_name)) BETWEEN 1 AND 200),
        CHECK (state <> 'Denied' OR denial_reason IS NOT NULL)
    );
    CREATE UNIQUE INDEX memberships_connection_driver ON memberships (connection_id, driver_id);
    CREATE UNIQUE INDEX memberships_status_token ON memberships (status_token);
    CREATE INDEX memberships_driver ON memberships (driver_id);
    CREATE INDEX memberships_decided_by ON memberships (decided_by_user_id) WHERE decided_by_user_id IS NOT NULL;
    CREATE INDEX memberships_pending ON memberships (connection_id, requested_at) WHERE state = 'Pending';

    CREATE TABLE membership_answers (
        membership_id       bigint NOT NULL REFERENCES memberships(id) ON DELETE CASCADE,
        position            bigint NOT NULL CHECK (position >= 0),
        prompt              text COLLATE "C" NOT NULL,
        answer              text COLLATE "C" NOT NULL CHECK (length(trim(answer)) BETWEEN 1 AND 500),
        PRIMARY KEY (membership_id, position)
    );

    -- Connected Drivers and Pending Requests counted as memberships change.
    CREATE FUNCTION memberships_count() RETURNS trigger LANGUAGE plpgsql AS $$
    BEGIN
        IF TG_OP IN ('UPDATE', 'DELETE') THEN
            UPDATE connections
            SET connected_drivers = connected_drivers - (OLD.state = 'Connected')::integer,
                pending_requests = pending_requests - (OLD.state = 'Pending')::integer
            WHERE id = OLD.connection_id;
        END IF;
        IF TG_OP IN ('UPDATE', 'INSERT') THEN
            UPDATE connections
            SET connected_drivers = connected_drivers + (NEW.state = 'Connected')::integer,
                pending_requests = pending_requests + (NEW.state = 'Pending')::integer
            WHERE id = NEW.connection_id;
        END IF;
        RETURN NULL;
    END
    $$;
    CREATE TRIGGER memberships_count AFTER INSERT OR DELETE OR UPDATE OF state, connection_id ON memberships
        FOR EACH ROW EXECUTE FUNCTION memberships_count();

    CREATE TABLE user_roles (
        user_id             bigint NOT NULL REFERENCES users(id) ON DELETE CASCADE,
        org_id              bigint NOT NULL REFERENCES organizations(id) ON DELETE CASCADE,
        role                text COLLATE "C" NOT NULL CHECK (role IN ('Admin', 'Connections officer', 'Viewer')),
        PRIMARY KEY (user_id, org_id)
    );
    CREATE INDEX user_roles_org ON user_roles (org_id);

    CREATE TABLE audit_log (
        id                  bigint GENERATED BY DEFAULT AS IDENTITY PRIMARY KEY,
        at                  text COLLATE "C" NOT NULL,
        user_id             bigint REFERENCES users(id) ON DELETE SET NULL,
        actor               text COLLATE "C" NOT NULL,
        org_id              bigint REFERENCES organizations(id) ON DELETE SET NULL,
        action              text COLLATE "C" NOT NULL,
        subject             text COLLATE "C" NOT NULL DEFAULT '',
        details             text COLLATE "C" NOT NULL DEFAULT '{}' CHECK (details::jsonb IS NOT NULL)
    );
    CREATE INDEX audit_log_org_at ON audit_log (org_id, at);
    CREATE INDEX audit_log_user ON audit_log (user_id) WHERE user_id IS NOT NULL;

    CREATE TABLE sessions (
        token               text COLLATE "C" PRIMARY KEY CHECK (length(token) >= 43),
        user_id             bigint NOT NULL REFERENCES users(id) ON DELETE CASCADE,
        csrf_token          text COLLATE "C" NOT NULL CHECK (length(csrf_token) >= 22),
        created_at          text COLLATE "C" NOT NULL,
        last_seen_at        text COLLATE "C" NOT NULL
    );
    CREATE INDEX sessions_user ON sessions (user_id);

    CREATE TABLE sign_in_failures (
        id                  bigint GENERATED BY DEFAULT AS IDENTITY PRIMARY KEY,
        subject             text COLLATE "C" NOT NULL,
        at                  text COLLATE "C" NOT NULL
    );
    CREATE INDEX sign_in_failures_subject ON sign_in_failures (subject, at);

    CREATE TABLE user_preferences (
        user_id             bigint NOT NULL REFERENCES users(id) ON DELETE CASCADE,
        name                text COLLATE "C" NOT NULL,
        value               text COLLATE "C" NOT NULL CHECK (length(value) <= 2000),
        PRIMARY KEY (user_id, name)
    );

    CREATE TABLE known_devices (
        token_hash          text COLLATE "C" NOT NULL CHECK (length(token_hash) = 64),
        user_id             bigint NOT NULL REFERENCES users(id) ON DELETE CASCADE,
        created_at          text COLLATE "C" NOT NULL,
        last_used_at        text COLLATE "C" NOT NULL,
        PRIMARY KEY (token_hash, user_id)
    );
    CREATE INDEX known_devices_user ON known_devices (user_id);

    CREATE TABLE rate_events (
        id                  bigint GENERATED BY DEFAULT AS IDENTITY PRIMARY KEY,
        subject             text COLLATE "C" NOT NULL CHECK (length(subject) BETWEEN 1 AND 300),
        at                  text COLLATE "C" NOT NULL
    );
    CREATE INDEX rate_events_subject ON rate_events (subject, at);
    CREATE INDEX rate_events_at ON rate_events (at);

    CREATE TABLE spent_form_tokens (
        token               text COLLATE "C" PRIMARY KEY CHECK (length(token) BETWEEN 22 AND 100),
        spent_at            text COLLATE "C" NOT NULL
    );
    CREATE INDEX spent_form_tokens_spent_at ON spent_form_tokens (spent_at);

    CREATE TABLE api_tokens (
        id                  bigint GENERATED BY DEFAULT AS IDENTITY PRIMARY KEY,
        user_id             bigint NOT NULL REFERENCES users(id) ON DELETE CASCADE,
        name                text COLLATE "C" NOT NULL CHECK (length(trim(name)) BETWEEN 1 AND 100 AND strpos(name, chr(10)) = 0),
        token_hash          text COLLATE "C" NOT NULL CHECK (length(token_hash) = 64),
        created_at          text COLLATE "C" NOT NULL,
        expires_at          text COLLATE "C",
        last_used_at        text COLLATE "C"
    );
    CREATE UNIQUE INDEX api_tokens_token_hash ON api_tokens (token_hash);
    CREATE UNIQUE INDEX api_tokens_user_name ON api_tokens (user_id, lower(name));

    -- 32 bytes from PostgreSQL's strong random source (gen_random_uuid), hashed together.
    CREATE TABLE installation_secrets (
        name                text COLLATE "C" PRIMARY KEY,
        value               bytea NOT NULL CHECK (length(value) >= 32)
    );
    INSERT INTO installation_secrets (name, value)
        VALUES ('form-tokens', sha256(convert_to(gen_random_uuid()::text || gen_random_uuid()::text, 'UTF8')));

    CREATE TABLE outbox (
        id                  bigint GENERATED BY DEFAULT AS IDENTITY PRIMARY KEY,
        kind                text COLLATE "C" NOT NULL CHECK (kind IN ('request received', 'request approved', 'request denied', 'driver removed',
                                'email confirmation', 'status link', 'invite', 'digest')),
        org_id              bigint REFERENCES organizations(id) ON DELETE SET NULL,
        user_id             bigint REFERENCES users(id) ON DELETE CASCADE,
        membership_id       bigint REFERENCES memberships(id) ON DELETE SET NULL,
        recipient           text COLLATE "C" NOT NULL CHECK (length(recipient) BETWEEN 3 AND 254),
        payload             text COLLATE "C" NOT NULL DEFAULT '{}' CHECK (payload::jsonb IS NOT NULL),
        message_key         text COLLATE "C" NOT NULL UNIQUE CHECK (length(message_key) >= 22),
        state               text COLLATE "C" NOT NULL DEFAULT 'queued' CHECK (state IN ('queued', 'sending', 'sent', 'failed', 'skipped')),
        attempts            bigint NOT NULL DEFAULT 0 CHECK (attempts >= 0),
        due_at              text COLLATE "C" NOT NULL,
        last_error          text COLLATE "C" CHECK (last_error IS NULL OR length(last_error) <= 500),
        created_at          text COLLATE "C" NOT NULL,
        sent_at             text COLLATE "C"
    );
    CREATE INDEX outbox_due ON outbox (due_at) WHERE state = 'queued';
    CREATE INDEX outbox_state_org ON outbox (state, org_id);
    CREATE INDEX outbox_org_kind ON outbox (org_id, kind, created_at);
    CREATE INDEX outbox_user ON outbox (user_id) WHERE user_id IS NOT NULL;
    CREATE INDEX outbox_membership ON outbox (membership_id) WHERE membership_id IS NOT NULL;

    CREATE TABLE outbox_lease (
        id                  bigint PRIMARY KEY CHECK (id = 1),
        holder              text COLLATE "C" NOT NULL,
        expires_at          text COLLATE "C" NOT NULL
    );

    CREATE TABLE email_confirmations (
        token               text COLLATE "C" PRIMARY KEY CHECK (length(token) >= 43),
        membership_id       bigint NOT NULL REFERENCES memberships(id) ON DELETE CASCADE,
        expires_at          text COLLATE "C" NOT NULL,
        confirmed_at        text COLLATE "C"
    );
    CREATE INDEX email_confirmations_membership ON email_confirmations (membership_id);

    CREATE TABLE digest_settings (
        user_id             bigint PRIMARY KEY REFERENCES users(id) ON DELETE CASCADE,
        enabled             bigint NOT NULL DEFAULT 1 CHECK (enabled IN (0, 1)),
        unsubscribe_token   text COLLATE "C" NOT NULL UNIQUE CHECK (length(unsubscribe_token) >= 43),
        last_due_at         text COLLATE "C"
    );
    """#

    /// The tables in an order that copies parents before their children: the schema description's.
    public static var tablesInCopyOrder: [String] { Schema.current.tableNames }
}
