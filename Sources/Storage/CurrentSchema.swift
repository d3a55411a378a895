private typealias Table = SchemaDescription.Table
private typealias Column = SchemaDescription.Column
private typealias Check = SchemaDescription.Check
private typealias ForeignKey = SchemaDescription.ForeignKey
private typealias Index = SchemaDescription.Index
private typealias Piece = SchemaDescription.Piece

/// A one-line text (no line break), in each database's spelling.
private func oneLine(_ column: String, _ rest: String) -> Check {
    Check(sqlite: "\(rest) AND instr(\(column), char(10)) = 0", postgres: "\(rest) AND strpos(\(column), chr(10)) = 0")
}
private let emailShape = Check(sqlite: "length(email) BETWEEN 3 AND 254 AND email GLOB '?*@?*'",
                               postgres: "length(email) BETWEEN 3 AND 254 AND email LIKE '_%@_%'")
private func json(_ column: String) -> Check { Check(sqlite: "json_valid(\(column))", postgres: "\(column)::jsonb IS NOT NULL") }
private func nameLength(_ column: String, _ most: Int) -> Check { Check("length(trim(\(column))) BETWEEN 1 AND \(most)") }
private let roles = Check("role IN ('Admin', 'Connections officer', 'Viewer')")
private let tokenHash = Check("length(token_hash) = 64")

extension Schema {
    /// The schema as of the latest migration (read each table's story in the migration that made
    /// or changed it). A new table or column goes here *and* into a new migration on each database
    /// (`Schema.migrations`, `PostgresSchema.migrations`); `SchemaDescriptionTests` fails until the
    /// migrated databases and this description agree, and `FrozenMigrationsTests` records both.
    public static let current = SchemaDescription(version: 22, tables: currentTables, indexes: currentIndexes, pieces: currentPieces)
}

private let currentTables: [Table] = [
    Table("organizations", primaryKey: ["id"], [
        Column("id", .integer, identity: true),
        Column("name", .text, notNull: .both, unique: .both, check: nameLength("name", 200)),
        Column("name_for_drivers", .text, notNull: .both, check: nameLength("name_for_drivers", 200)),
        Column("created_at", .text, notNull: .both),
        // The zone its relative date filters count days in (migration 16, issue 28).
        Column("time_zone", .text, notNull: .both, default: "'UTC'", check: Check("length(time_zone) BETWEEN 1 AND 64")),
    ]),
    Table("users", primaryKey: ["id"], [
        Column("id", .integer, identity: true),
        Column("email", .text, notNull: .both, unique: .sqlite, caseless: true, check: emailShape),
        Column("name", .text, notNull: .both, check: nameLength("name", 200)),
        Column("password_hash", .text, notNull: .both),
        Column("created_at", .text, notNull: .both),
    ]),
    Table("connections", primaryKey: ["id"], [
        Column("id", .integer, identity: true),
        Column("org_id", .integer, notNull: .both, references: ForeignKey("organizations")),
        Column("name", .text, notNull: .both, check: oneLine("name", "length(trim(name)) BETWEEN 1 AND 100")),
        Column("status", .text, notNull: .both, check: Check("status IN ('Enabled', 'Disabled')")),
        Column("connection_type", .text, notNull: .both,
               check: Check("connection_type IN ('Standard', 'MFHS Personal Charging Connection', 'Leasing Company')")),
        Column("approval_type", .text, notNull: .both,
               check: Check("approval_type IN ('Automatically approve all', 'Automatically approve by email domain', 'Manually approve')")),
        Column("visibility", .text, notNull: .both, check: Check("visibility IN ('Public', 'Private')")),
        Column("search_code", .text, notNull: .both,
               check: Check("length(search_code) BETWEEN 6 AND 12 AND ltrim(search_code, 'ABCDEFGHJKMNPQRSTUVWXYZ23456789') = ''")),
        Column("invite_token", .text, notNull: .both, check: Check("length(invite_token) >= 22 AND "
               + "ltrim(invite_token, 'ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789-_') = ''")),
        Column("connected_drivers", .integer, notNull: .both, default: "0", check: Check("connected_drivers >= 0")),
        Column("pending_requests", .integer, notNull: .both, default: "0", check: Check("pending_requests >= 0")),
        Column("benefits_list", .text, notNull: .both, default: "''"),
        Column("questions_list", .text, notNull: .both, default: "''"),
        Column("version", .integer, notNull: .both, default: "1", check: Check("version >= 1")),
        Column("created_at", .text, notNull: .both),
        Column("updated_at", .text, notNull: .both),
        // Memberships that end (migration 17): how long one lasts from its approval, null for ever.
        Column("membership_lasts", .text, check: Check("membership_lasts IS NULL OR length(membership_lasts) BETWEEN 6 AND 30")),
        // Renewal (migration 17): the days before a membership's end its driver is reminded ('' for never).
        Column("renewal_reminders", .text, notNull: .both, default: "'14,3'", check: Check("length(renewal_reminders) <= 40")),
        // Re-verification (migration 17): every how many days drivers confirm (null: never), and how long they have.
        Column("reverify_days", .integer, check: Check("reverify_days IS NULL OR reverify_days BETWEEN 1 AND 3650")),
        Column("reverify_grace_days", .integer, notNull: .both, default: "14", check: Check("reverify_grace_days BETWEEN 1 AND 365")),
    ]),
    Table("connection_benefits", primaryKey: ["connection_id", "kind"], withoutRowID: true,
          checks: [Check("(kind = 'Discounted charging') = (discount_percent IS NOT NULL)")], [
        Column("connection_id", .integer, notNull: .both, references: ForeignKey("connections", onDelete: .cascade)),
        Column("position", .integer, notNull: .both, check: Check("position >= 0")),
        Column("kind", .text, notNull: .both, check: Check("kind IN ('Free charging', 'Discounted charging', 'Access to restricted stations', "
               + "'Reserved hours', 'Home charging reimbursement', 'Public charging')")),
        Column("discount_percent", .integer, check: Check("discount_percent BETWEEN 1 AND 100")),
    ]),
    Table("connection_questions", primaryKey: ["connection_id", "position"], withoutRowID: true, [
        Column("connection_id", .integer, notNull: .both, references: ForeignKey("connections", onDelete: .cascade)),
        Column("position", .integer, notNull: .both, check: Check("position >= 0")),
        Column("prompt", .text, notNull: .both, check: oneLine("prompt", "length(trim(prompt)) BETWEEN 1 AND 120")),
    ]),
    Table("connection_email_domains", primaryKey: ["connection_id", "domain"], withoutRowID: true, [
        Column("connection_id", .integer, notNull: .both, references: ForeignKey("connections", onDelete: .cascade)),
        Column("domain", .text, notNull: .both, check: Check(
            sqlite: "domain = lower(domain) AND length(domain) BETWEEN 3 AND 253 AND instr(domain, '.') > 1 "
                + "AND ltrim(domain, 'abcdefghijklmnopqrstuvwxyz0123456789.-') = ''",
            postgres: "domain = lower(domain) AND length(domain) BETWEEN 3 AND 253 AND strpos(domain, '.') > 1 "
                + "AND ltrim(domain, 'abcdefghijklmnopqrstuvwxyz0123456789.-') = ''")),
    ]),
    Table("drivers", primaryKey: ["id"], [
        Column("id", .integer, identity: true),
        Column("name", .text, notNull: .both, check: nameLength("name", 200)),
        Column("email", .text, notNull: .both, caseless: true, check: emailShape),
        Column("created_at", .text, notNull: .both),
    ]),
    Table("memberships", primaryKey: ["id"], checks: [Check("state <> 'Denied' OR denial_reason IS NOT NULL")], [
        Column("id", .integer, identity: true),
        Column("connection_id", .integer, notNull: .both, references: ForeignKey("connections", onDelete: .cascade)),
        Column("driver_id", .integer, notNull: .both, references: ForeignKey("drivers")),
        Column("state", .text, notNull: .both, check: Check("state IN ('Pending', 'Connected', 'Denied', 'Removed')")),
        Column("denial_reason", .text, check: Check("denial_reason IS NULL OR length(denial_reason) <= 500")),
        Column("requested_at", .text, notNull: .both),
        Column("decided_at", .text),
        Column("decided_by_user_id", .integer, references: ForeignKey("users", onDelete: .setNull)),
        // Added by SQLite's migration 6, which cannot add a NOT NULL column: its triggers keep it so there.
        Column("driver_name", .text, notNull: .postgres, check: nameLength("driver_name", 200)),
        // Memberships that end (migration 17): when this one ends, null for never.
        Column("expires_at", .text),
        // Renewal (migration 17): the next reminder's time, and when the driver asked to renew (waiting).
        Column("remind_at", .text),
        Column("renewal_asked_at", .text),
        // Re-verification (migration 17): the next ask, and the day an unanswered ask ends the membership.
        Column("reverify_at", .text),
        Column("reverify_by", .text),
    ]),
    Table("membership_answers", primaryKey: ["membership_id", "position"], withoutRowID: true, [
        Column("membership_id", .integer, notNull: .both, references: ForeignKey("memberships", onDelete: .cascade)),
        Column("position", .integer, notNull: .both, check: Check("position >= 0")),
        Column("prompt", .text, notNull: .both),
        Column("answer", .text, notNull: .both, check: Check("length(trim(answer)) BETWEEN 1 AND 500")),
    ]),
    Table("user_roles", primaryKey: ["user_id", "org_id"], withoutRowID: true, [
        Column("user_id", .integer, notNull: .both, references: ForeignKey("users", onDelete: .cascade)),
        Column("org_id", .integer, notNull: .both, references: ForeignKey("organizations", onDelete: .cascade)),
        Column("role", .text, notNull: .both, check: roles),
    ]),
    Table("audit_log", primaryKey: ["id"], [
        Column("id", .integer, identity: true),
        Column("at", .text, notNull: .both),
        Column("user_id", .integer, references: ForeignKey("users", onDelete: .setNull)),
        Column("actor", .text, notNull: .both),
        Column("org_id", .integer, references: ForeignKey("organizations", onDelete: .setNull)),
        Column("action", .text, notNull: .both),
        Column("subject", .text, notNull: .both, default: "''"),
        Column("details", .text, notNull: .both, default: "'{}'", check: json("details")),
    ]),
    Table("sessions", primaryKey: ["token_hash"], withoutRowID: true, [
        Column("token_hash", .text, check: Check("length(token_hash) >= 43", postgresName: "sessions_token_check")),
        Column("user_id", .integer, notNull: .both, references: ForeignKey("users", onDelete: .cascade)),
        Column("csrf_token", .text, notNull: .both, check: Check("length(csrf_token) >= 22")),
        Column("created_at", .text, notNull: .both),
        Column("last_seen_at", .text, notNull: .both),
    ]),
    Table("user_preferences", primaryKey: ["user_id", "name"], withoutRowID: true, [
        Column("user_id", .integer, notNull: .both, references: ForeignKey("users", onDelete: .cascade)),
        Column("name", .text, notNull: .both),
        Column("value", .text, notNull: .both, check: Check("length(value) <= 2000")),
    ]),
    Table("known_devices", primaryKey: ["token_hash", "user_id"], withoutRowID: true, [
        Column("token_hash", .text, notNull: .both, check: tokenHash),
        Column("user_id", .integer, notNull: .both, references: ForeignKey("users", onDelete: .cascade)),
        Column("created_at", .text, notNull: .both),
        Column("last_used_at", .text, notNull: .both),
    ]),
    Table("rate_windows", primaryKey: ["subject", "bucket"], withoutRowID: true, [
        Column("subject", .text, notNull: .both),
        Column("bucket", .integer, notNull: .both),
        Column("events", .integer, postgresType: "integer", notNull: .both, check: Check("events >= 1")),
        Column("expires_at", .integer, notNull: .both),
        Column("last_at", .integer, notNull: .both),
    ]),
    Table("spent_form_tokens", primaryKey: ["token"], withoutRowID: true, [
        Column("token", .text, check: Check("length(token) BETWEEN 22 AND 100")),
        Column("spent_at", .text, notNull: .both),
    ]),
    Table("api_tokens", primaryKey: ["id"], [
        Column("id", .integer, identity: true),
        Column("user_id", .integer, notNull: .both, references: ForeignKey("users", onDelete: .cascade)),
        Column("name", .text, notNull: .both, check: oneLine("name", "length(trim(name)) BETWEEN 1 AND 100")),
        Column("token_hash", .text, notNull: .both, check: tokenHash),
        Column("created_at", .text, notNull: .both),
        Column("expires_at", .text),
        Column("last_used_at", .text),
        Column("rate_full_at", .integer, notNull: .both, default: "0"),
        Column("rate_granted", .integer, postgresType: "integer", notNull: .both, default: "0"),
    ]),
    Table("installation_secrets", primaryKey: ["name"], withoutRowID: true, [
        Column("name", .text),
        Column("value", .blob, notNull: .both, check: Check("length(value) >= 32")),
    ]),
    Table("outbox", primaryKey: ["id"], [
        Column("id", .integer, identity: true),
        Column("kind", .text, notNull: .both, check: Check("kind IN ('request received', 'request approved', 'request denied', "
               + "'driver removed', 'email confirmation', 'status link', 'invite', 'digest', 'user invitation', 'view report', "
               + "'renewal reminder', 'reverification')")),
        Column("org_id", .integer, references: ForeignKey("organizations", onDelete: .setNull)),
        Column("user_id", .integer, references: ForeignKey("users", onDelete: .cascade)),
        Column("membership_id", .integer, references: ForeignKey("memberships", onDelete: .setNull)),
        Column("recipient", .text, notNull: .both, check: Check("length(recipient) BETWEEN 3 AND 254")),
        Column("payload", .text, notNull: .both, default: "'{}'", check: json("payload")),
        Column("message_key", .text, notNull: .both, unique: .both, check: Check("length(message_key) >= 22")),
        Column("state", .text, notNull: .both, default: "'queued'", check: Check("state IN ('queued', 'sending', 'sent', 'failed', 'skipped')")),
        Column("attempts", .integer, notNull: .both, default: "0", check: Check("attempts >= 0")),
        Column("due_at", .text, notNull: .both),
        Column("last_error", .text, check: Check("last_error IS NULL OR length(last_error) <= 500")),
        Column("created_at", .text, notNull: .both),
        Column("sent_at", .text),
    ]),
    Table("outbox_lease", primaryKey: ["id"], [
        Column("id", .integer, check: Check("id = 1")),
        Column("holder", .text, notNull: .both),
        Column("expires_at", .text, notNull: .both),
    ]),
    Table("email_confirmations", primaryKey: ["token_hash"], withoutRowID: true, [
        Column("token_hash", .text, check: Check("length(token_hash) >= 43", postgresName: "email_confirmations_token_check")),
        Column("membership_id", .integer, notNull: .both, references: ForeignKey("memberships", onDelete: .cascade)),
        Column("expires_at", .text, notNull: .both),
        Column("confirmed_at", .text),
    ]),
    Table("digest_settings", primaryKey: ["user_id"], [
        Column("user_id", .integer, references: ForeignKey("users", onDelete: .cascade)),
        Column("enabled", .integer, notNull: .both, default: "1", check: Check("enabled IN (0, 1)")),
        Column("last_due_at", .text),
    ]),
    Table("status_links", primaryKey: ["token_hash"], withoutRowID: true, [
        Column("token_hash", .text, check: tokenHash),
        Column("membership_id", .integer, notNull: .both, references: ForeignKey("memberships", onDelete: .cascade)),
    ]),
    Table("unsubscribe_links", primaryKey: ["token_hash"], withoutRowID: true, [
        Column("token_hash", .text, check: tokenHash),
        Column("user_id", .integer, notNull: .both, references: ForeignKey("users", onDelete: .cascade)),
    ]),
    Table("user_invitations", primaryKey: ["id"], [
        Column("id", .integer, identity: true),
        Column("org_id", .integer, notNull: .both, references: ForeignKey("organizations", onDelete: .cascade)),
        Column("email", .text, notNull: .both, caseless: true, check: emailShape),
        Column("role", .text, notNull: .both, check: roles),
        Column("token_hash", .text, notNull: .both, unique: .both, check: tokenHash),
        Column("invited_by", .integer, references: ForeignKey("users", onDelete: .setNull)),
        Column("created_at", .text, notNull: .both),
        Column("expires_at", .text, notNull: .both),
    ]),
    // What each command did (Domain's DomainEvent), written in its transaction: the outbox webhooks deliver
    // from. Subject ids without foreign keys: an event outlives the connection or request it tells of. A kind
    // is checked for its length only, so a new kind is a Swift case, not a table rebuild (it decodes strictly).
    Table("domain_events", primaryKey: ["id"], [
        Column("id", .integer, identity: true),
        Column("occurred_at", .text, notNull: .both),
        Column("organization_id", .integer, notNull: .both, references: ForeignKey("organizations", onDelete: .cascade)),
        Column("kind", .text, notNull: .both, check: Check("length(kind) BETWEEN 3 AND 60")),
        Column("connection_id", .integer),
        Column("membership_id", .integer),
        Column("user_id", .integer),
        Column("payload", .text, notNull: .both, default: "'{}'", check: json("payload")),
    ]),
    // A bulk enable or disable on the table and its Undo (migration 14).
    Table("bulk_changes", primaryKey: ["id"], [
        Column("id", .integer, identity: true),
        Column("user_id", .integer, notNull: .both, references: ForeignKey("users", onDelete: .cascade)),
        Column("session_hash", .text, notNull: .both, check: Check("length(session_hash) = 64")),
        Column("status", .text, notNull: .both, check: Check("status IN ('Enabled', 'Disabled')")),
        Column("outcome", .text, notNull: .both),
        Column("created_at", .text, notNull: .both),
        Column("undo_until", .text, notNull: .both),
        Column("undone_at", .text),
        Column("undo_outcome", .text),
    ]),
    Table("bulk_change_rows", primaryKey: ["bulk_id", "connection_id"], withoutRowID: true, [
        Column("bulk_id", .integer, notNull: .both, references: ForeignKey("bulk_changes", onDelete: .cascade)),
        Column("connection_id", .integer, notNull: .both),
        Column("version", .integer, notNull: .both),
    ]),
    // The SMTP settings saved on /email, sealed with the installation key (migration 14).
    Table("email_settings", primaryKey: ["id"], [
        Column("id", .integer, check: Check("id = 1")),
        Column("sealed", .text, notNull: .both),
        Column("updated_at", .text, notNull: .both),
        Column("updated_by", .integer, references: ForeignKey("users", onDelete: .setNull)),
    ]),
    // SCIM directory sync (migration 16): an organization's tokens, the directory's users and groups, members.
    Table("scim_tokens", primaryKey: ["id"], [
        Column("id", .integer, identity: true),
        Column("org_id", .integer, notNull: .both, references: ForeignKey("organizations", onDelete: .cascade)),
        Column("name", .text, notNull: .both, check: oneLine("name", "length(trim(name)) BETWEEN 1 AND 100")),
        Column("token_hash", .text, notNull: .both, unique: .both, check: tokenHash),
        Column("created_by", .integer, references: ForeignKey("users", onDelete: .setNull)),
        Column("created_at", .text, notNull: .both),
        Column("last_used_at", .text),
    ]),
    Table("scim_users", primaryKey: ["id"], [
        Column("id", .integer, identity: true),
        Column("org_id", .integer, notNull: .both, references: ForeignKey("organizations", onDelete: .cascade)),
        Column("user_name", .text, notNull: .both, caseless: true, check: Check("length(user_name) BETWEEN 1 AND 254")),
        Column("external_id", .text),
        Column("active", .integer, notNull: .both, default: "1", check: Check("active IN (0, 1)")),
        Column("email", .text),
        Column("resource", .text, notNull: .both, check: json("resource")),
        Column("version", .integer, notNull: .both, default: "1"),
        Column("created_at", .text, notNull: .both),
        Column("updated_at", .text, notNull: .both),
    ]),
    Table("scim_groups", primaryKey: ["id"], [
        Column("id", .integer, identity: true),
        Column("org_id", .integer, notNull: .both, references: ForeignKey("organizations", onDelete: .cascade)),
        Column("display_name", .text, notNull: .both, caseless: true, check: Check("length(display_name) BETWEEN 1 AND 254")),
        Column("external_id", .text),
        Column("connection_id", .integer, references: ForeignKey("connections", onDelete: .setNull)),
        Column("version", .integer, notNull: .both, default: "1"),
        Column("created_at", .text, notNull: .both),
        Column("updated_at", .text, notNull: .both),
    ]),
    Table("scim_group_members", primaryKey: ["group_id", "user_id"], withoutRowID: true, [
        Column("group_id", .integer, notNull: .both, references: ForeignKey("scim_groups", onDelete: .cascade)),
        Column("user_id", .integer, notNull: .both, references: ForeignKey("scim_users", onDelete: .cascade)),
    ]),
    // Single sign-on (OpenID Connect), schema 17: an organization's provider settings, sealed, and
    // the sign-ins under way (one row per browser sent to the provider, deleted when it comes back).
    Table("sign_on_settings", primaryKey: ["org_id"], [
        Column("org_id", .integer, references: ForeignKey("organizations", onDelete: .cascade)),
        Column("sealed", .text, notNull: .both),
        Column("required", .integer, notNull: .both, default: "0", check: Check("required IN (0, 1)")),
        Column("updated_at", .text, notNull: .both),
        Column("updated_by", .integer, references: ForeignKey("users", onDelete: .setNull)),
    ]),
    Table("sign_on_attempts", primaryKey: ["state_hash"], withoutRowID: true, [
        Column("state_hash", .text, check: Check("length(state_hash) = 64")),
        Column("org_id", .integer, notNull: .both, references: ForeignKey("organizations", onDelete: .cascade)),
        Column("nonce", .text, notNull: .both),
        Column("verifier", .text, notNull: .both),
        Column("next", .text, notNull: .both),
        Column("created_at", .text, notNull: .both),
    ]),
    // The overview's figures, kept by triggers (Storage/OverviewRollupSQL.swift, migration 18): per organization
    // and day (organizations -1 to -16: the installation's stripes, hence no foreign key), and per organization now.
    Table("overview_days", primaryKey: ["org_id", "day"], withoutRowID: true,
          OverviewRollupSQL.dayColumns.reduce([Column("org_id", .integer, notNull: .both),
                                               Column("day", .text, notNull: .both)]) {
              $0 + [Column($1, .integer, notNull: .both, default: "0")]
          }),
    Table("overview_orgs", primaryKey: ["org_id"], [
        Column("org_id", .integer, references: ForeignKey("organizations", onDelete: .cascade)),
        Column("connections", .integer, notNull: .both, default: "0"),
        Column("empty_connections", .integer, notNull: .both, default: "0"),
        Column("connected", .integer, notNull: .both, default: "0"),
        Column("pending", .integer, notNull: .both, default: "0"),
    ]),
    // Webhooks (migration 19): each organization's subscriptions, the event types each wants, and
    // one delivery row per event and subscription, written in the event's transaction.
    Table("webhook_subscriptions", primaryKey: ["id"], [
        Column("id", .integer, identity: true),
        Column("org_id", .integer, notNull: .both, references: ForeignKey("organizations", onDelete: .cascade)),
        Column("url", .text, notNull: .both, check: oneLine("url", "length(url) BETWEEN 10 AND 2000")),
        Column("description", .text, notNull: .both, default: "''", check: oneLine("description", "length(description) <= 200")),
        Column("secret_sealed", .text, notNull: .both),
        Column("previous_secret_sealed", .text),
        Column("previous_until", .text),
        Column("state", .text, notNull: .both, default: "'enabled'", check: Check("state IN ('enabled', 'paused')")),
        Column("failing_since", .text),
        Column("created_at", .text, notNull: .both),
    ]),
    Table("webhook_subscription_events", primaryKey: ["subscription_id", "event_type"], withoutRowID: true, [
        Column("subscription_id", .integer, notNull: .both, references: ForeignKey("webhook_subscriptions", onDelete: .cascade)),
        Column("event_type", .text, notNull: .both, check: Check("length(event_type) BETWEEN 3 AND 60")),
    ]),
    Table("webhook_lease", primaryKey: ["id"], [
        Column("id", .integer, check: Check("id = 1")),
        Column("holder", .text, notNull: .both),
        Column("expires_at", .text, notNull: .both),
    ]),
    Table("webhook_deliveries", primaryKey: ["id"], [
        Column("id", .integer, identity: true),
        Column("subscription_id", .integer, notNull: .both, references: ForeignKey("webhook_subscriptions", onDelete: .cascade)),
        Column("event_id", .integer, notNull: .both),
        Column("message_id", .text, notNull: .both, check: Check("length(message_id) BETWEEN 5 AND 100")),
        Column("event_type", .text, notNull: .both, check: Check("length(event_type) BETWEEN 3 AND 60")),
        Column("connection_key", .integer, notNull: .both, default: "0"),
        Column("body", .text, notNull: .both, check: json("body")),
        Column("state", .text, notNull: .both, default: "'queued'", check: Check("state IN ('queued', 'sending', 'delivered', 'failed')")),
        Column("attempts", .integer, notNull: .both, default: "0", check: Check("attempts >= 0")),
        Column("due_at", .text, notNull: .both),
        Column("created_at", .text, notNull: .both),
        Column("finished_at", .text),
        Column("response_code", .integer),
        Column("latency_ms", .integer),
        Column("response_body", .text, check: Check("response_body IS NULL OR length(response_body) <= 1024")),
        Column("last_error", .text, check: Check("last_error IS NULL OR length(last_error) <= 500")),
    ]),
    // Saved views of the connections table (migration 21, issue 28): personal (org_id NULL) or shared with an organization.
    Table("saved_views", primaryKey: ["id"], [
        Column("id", .integer, identity: true),
        Column("owner_id", .integer, notNull: .both, references: ForeignKey("users", onDelete: .cascade)),
        Column("org_id", .integer, references: ForeignKey("organizations", onDelete: .cascade)),
        Column("name", .text, notNull: .both, check: nameLength("name", 100)),
        Column("query", .text, notNull: .both, check: Check("length(query) <= 8000")),
        Column("created_at", .text, notNull: .both),
        Column("updated_at", .text, notNull: .both),
    ]),
    Table("view_defaults", primaryKey: ["user_id"], withoutRowID: true, [
        Column("user_id", .integer, notNull: .both, references: ForeignKey("users", onDelete: .cascade)),
        Column("view_id", .integer, notNull: .both, references: ForeignKey("saved_views", onDelete: .cascade)),
    ]),
    // Reports of shared views (migration 21, issue 28): the schedule, and each recipient's last report's row ids.
    Table("view_reports", primaryKey: ["view_id"], withoutRowID: true, [
        Column("view_id", .integer, notNull: .both, references: ForeignKey("saved_views", onDelete: .cascade)),
        Column("frequency", .text, notNull: .both, check: Check("frequency IN ('daily', 'weekly', 'monthly')")),
        Column("hour", .integer, notNull: .both, check: Check("hour BETWEEN 0 AND 23")),
        Column("skip_unchanged", .integer, notNull: .both, default: "0", check: Check("skip_unchanged IN (0, 1)")),
        Column("last_skipped_at", .text),
        Column("updated_by", .integer, references: ForeignKey("users", onDelete: .setNull)),
        Column("updated_at", .text, notNull: .both),
    ]),
    Table("view_report_recipients", primaryKey: ["view_id", "user_id"], withoutRowID: true, [
        Column("view_id", .integer, notNull: .both, references: ForeignKey("view_reports", "view_id", onDelete: .cascade)),
        Column("user_id", .integer, notNull: .both, references: ForeignKey("users", onDelete: .cascade)),
        Column("last_row_ids", .text, check: Check("last_row_ids IS NULL OR length(last_row_ids) <= 120000")),
        Column("last_sent_at", .text),
        Column("last_message_key", .text),
        Column("prior_row_ids", .text, check: Check("prior_row_ids IS NULL OR length(prior_row_ids) <= 120000")),
    ]),
    Table("view_report_links", primaryKey: ["token_hash"], withoutRowID: true, [
        Column("token_hash", .text, check: tokenHash),
        Column("view_id", .integer, notNull: .both, references: ForeignKey("view_reports", "view_id", onDelete: .cascade)),
        Column("user_id", .integer, notNull: .both, references: ForeignKey("users", onDelete: .cascade)),
    ]),
]

private let currentIndexes: [Index] = [
    // SQLite's indexes end with the rowid by themselves; PostgreSQL's name `id` so that the table's
    // tie-break (ORDER BY column, id) is read from the index in order.
    Index("users_email", on: "users", [.caselessColumn("email")], unique: true, only: .postgres),
    Index("connections_org_name", on: "connections", [.column("org_id"), .caseless("name")], unique: true),
    Index("connections_search_code", on: "connections", [.column("search_code")], unique: true),
    Index("connections_invite_token", on: "connections", [.column("invite_token")], unique: true),
    Index("connections_name", on: "connections", [.caseless("name"), .onPostgres("id")]),
    Index("connections_org", on: "connections", [.column("org_id"), .column("id")], only: .postgres),
    Index("connections_status", on: "connections", [.column("status")]),
    Index("connections_connection_type", on: "connections", [.column("connection_type")]),
    Index("connections_approval_type", on: "connections", [.column("approval_type")]),
    Index("connections_visibility", on: "connections", [.column("visibility")]),
    Index("connections_connected_drivers", on: "connections", [.column("connected_drivers"), .onPostgres("id")]),
    Index("connections_pending_requests", on: "connections", [.column("pending_requests"), .onPostgres("id")]),
    Index("connections_created_at", on: "connections", [.column("created_at"), .onPostgres("id")]),
    Index("connections_updated_at", on: "connections", [.column("updated_at"), .onPostgres("id")]),
    // Contains of three characters or more (SQLite: the FTS5 table `connections_search`).
    Index("connections_search_name", on: "connections", [.onPostgres("fold(name) gin_trgm_ops")], method: "gin", only: .postgres),
    Index("connections_search_benefits_list", on: "connections", [.onPostgres("fold(benefits_list) gin_trgm_ops")], method: "gin", only: .postgres),
    Index("connections_search_questions_list", on: "connections", [.onPostgres("fold(questions_list) gin_trgm_ops")], method: "gin",
          only: .postgres),
    Index("drivers_email", on: "drivers", [.caselessColumn("email")], unique: true),
    // The search box: drivers by name and email (SQLite: the FTS5 tables `memberships_search`, `drivers_search`).
    Index("memberships_search_driver_name", on: "memberships", [.onPostgres("fold(driver_name) gin_trgm_ops")], method: "gin", only: .postgres),
    Index("drivers_search_email", on: "drivers", [.onPostgres("fold(email) gin_trgm_ops")], method: "gin", only: .postgres),
    Index("memberships_connection_driver", on: "memberships", [.column("connection_id"), .column("driver_id")], unique: true),
    Index("memberships_driver", on: "memberships", [.column("driver_id")]),
    Index("memberships_decided_by", on: "memberships", [.column("decided_by_user_id")], where: "decided_by_user_id IS NOT NULL", only: .postgres),
    Index("memberships_pending", on: "memberships", [.column("connection_id"), .column("requested_at")], where: "state = 'Pending'"),
    // Memberships that end (migration 17): the sweep's due ones, and a connection's soon-ending ones.
    Index("memberships_expires_at", on: "memberships", [.column("expires_at")], where: "state = 'Connected' AND expires_at IS NOT NULL"),
    Index("memberships_connection_expires_at", on: "memberships", [.column("connection_id"), .column("expires_at")],
          where: "state = 'Connected' AND expires_at IS NOT NULL"),
    Index("memberships_remind_at", on: "memberships", [.column("remind_at")], where: "state = 'Connected' AND remind_at IS NOT NULL"),
    Index("memberships_reverify_at", on: "memberships", [.column("reverify_at")], where: "state = 'Connected' AND reverify_at IS NOT NULL"),
    Index("memberships_reverify_by", on: "memberships", [.column("reverify_by")], where: "state = 'Connected' AND reverify_by IS NOT NULL"),
    Index("user_roles_org", on: "user_roles", [.column("org_id")]),
    Index("audit_log_org_at", on: "audit_log", [.column("org_id"), .column("at")]),
    Index("audit_log_user", on: "audit_log", [.column("user_id")], where: "user_id IS NOT NULL", only: .postgres),
    Index("sessions_user", on: "sessions", [.column("user_id")]),
    Index("known_devices_user", on: "known_devices", [.column("user_id")]),
    Index("rate_windows_expires_at", on: "rate_windows", [.column("expires_at")]),
    Index("spent_form_tokens_spent_at", on: "spent_form_tokens", [.column("spent_at")]),
    Index("api_tokens_token_hash", on: "api_tokens", [.column("token_hash")], unique: true),
    Index("api_tokens_user_name", on: "api_tokens", [.column("user_id"), .caseless("name")], unique: true),
    Index("outbox_due", on: "outbox", [.column("due_at")], where: "state = 'queued'"),
    Index("outbox_state_org", on: "outbox", [.column("state"), .column("org_id")]),
    Index("outbox_org_kind", on: "outbox", [.column("org_id"), .column("kind"), .column("created_at")]),
    Index("outbox_user", on: "outbox", [.column("user_id")], where: "user_id IS NOT NULL"),
    Index("outbox_membership", on: "outbox", [.column("membership_id")], where: "membership_id IS NOT NULL"),
    Index("email_confirmations_membership", on: "email_confirmations", [.column("membership_id")]),
    Index("status_links_membership", on: "status_links", [.column("membership_id")]),
    Index("unsubscribe_links_user", on: "unsubscribe_links", [.column("user_id")]),
    Index("user_invitations_org_email", on: "user_invitations", [.column("org_id"), .caselessColumn("email")], unique: true),
    Index("user_invitations_email", on: "user_invitations", [.caselessColumn("email")]),
    // SCIM directory sync (migration 16).
    Index("scim_tokens_org", on: "scim_tokens", [.column("org_id")]),
    Index("scim_users_org_user_name", on: "scim_users", [.column("org_id"), .caselessColumn("user_name")], unique: true),
    Index("scim_groups_org_display_name", on: "scim_groups", [.column("org_id"), .caselessColumn("display_name")]),
    Index("scim_group_members_user", on: "scim_group_members", [.column("user_id")]),
    // Events read after an id, an organization's at a time (webhooks).
    Index("domain_events_org", on: "domain_events", [.column("organization_id"), .column("id")]),
    Index("bulk_changes_user", on: "bulk_changes", [.column("user_id")]),
    Index("overview_orgs_pending", on: "overview_orgs", [.column("pending")]),
    Index("webhook_subscriptions_org", on: "webhook_subscriptions", [.column("org_id")]),
    Index("webhook_deliveries_due", on: "webhook_deliveries", [.column("due_at")], where: "state = 'queued'"),
    Index("webhook_deliveries_order", on: "webhook_deliveries", [.column("subscription_id"), .column("connection_key"), .column("state"), .column("due_at")]),
    Index("saved_views_owner", on: "saved_views", [.column("owner_id")]),
    Index("saved_views_org", on: "saved_views", [.column("org_id")]),
    Index("view_defaults_view", on: "view_defaults", [.column("view_id")]),
    Index("view_report_recipients_user", on: "view_report_recipients", [.column("user_id")]),
    Index("view_report_links_recipient", on: "view_report_links", [.column("view_id"), .column("user_id")]),
]

private let currentPieces: [Piece] = sqlitePieces + driverSearchPieces + postgresPieces + overviewPieces

/// Migration 18's triggers (and PostgreSQL's functions) that keep the overview's figures.
private let overviewPieces: [Piece] =
    OverviewRollupSQL.sqliteTriggers.map { Piece($0.name, .trigger(table: $0.table), on: .sqlite, $0.sql) }
    + OverviewRollupSQL.postgresFunctions.map { Piece(String($0.signature.dropLast(2)), .function(signature: $0.signature), on: .postgres, $0.sql) }
    + OverviewRollupSQL.postgresTriggers.map { Piece($0.name, .trigger(table: $0.table), on: .postgres, $0.sql) }

/// The texts of SQLite's migrations 1, 3, 6 and 8.
private let sqlitePieces: [Piece] = [
    Piece("connections_search", .virtualTable, on: .sqlite, """
        CREATE VIRTUAL TABLE connections_search USING fts5(name, benefits_list, questions_list, content='connections', content_rowid='rowid',
            tokenize='trigram', columnsize=0)
        """),
    Piece("connections_search_insert", .trigger(table: "connections"), on: .sqlite, """
        CREATE TRIGGER connections_search_insert AFTER INSERT ON connections BEGIN INSERT INTO connections_search (rowid, name, benefits_list, questions_list) VALUES (NEW.rowid, NEW.name, NEW.benefits_list, NEW.questions_list); END
        """),
    Piece("connections_search_delete", .trigger(table: "connections"), on: .sqlite, """
        CREATE TRIGGER connections_search_delete AFTER DELETE ON connections BEGIN INSERT INTO connections_search (connections_search, rowid, name, benefits_list, questions_list) VALUES ('delete', OLD.rowid, OLD.name, OLD.benefits_list, OLD.questions_list); END
        """),
    Piece("connections_search_update", .trigger(table: "connections"), on: .sqlite, """
        CREATE TRIGGER connections_search_update AFTER UPDATE OF name, benefits_list, questions_list ON connections BEGIN INSERT INTO connections_search (connections_search, rowid, name, benefits_list, questions_list) VALUES ('delete', OLD.rowid, OLD.name, OLD.benefits_list, OLD.questions_list); INSERT INTO connections_search (rowid, name, benefits_list, questions_list) VALUES (NEW.rowid, NEW.name, NEW.benefits_list, NEW.questions_list); END
        """),
    // Connected Drivers and Pending Requests counted as memberships change.
    Piece("memberships_count_insert", .trigger(table: "memberships"), on: .sqlite, """
        CREATE TRIGGER memberships_count_insert AFTER INSERT ON memberships BEGIN
            UPDATE connections
            SET connected_drivers = connected_drivers + (NEW.state = 'Connected'),
                pending_requests = pending_requests + (NEW.state = 'Pending')
            WHERE id = NEW.connection_id;
        END
        """),
    Piece("memberships_count_update", .trigger(table: "memberships"), on: .sqlite, """
        CREATE TRIGGER memberships_count_update AFTER UPDATE OF state, connection_id ON memberships BEGIN
            UPDATE connections
            SET connected_drivers = connected_drivers - (OLD.state = 'Connected'),
                pending_requests = pending_requests - (OLD.state = 'Pending')
            WHERE id = OLD.connection_id;
            UPDATE connections
            SET connected_drivers = connected_drivers + (NEW.state = 'Connected'),
                pending_requests = pending_requests + (NEW.state = 'Pending')
            WHERE id = NEW.connection_id;
        END
        """),
    Piece("memberships_count_delete", .trigger(table: "memberships"), on: .sqlite, """
        CREATE TRIGGER memberships_count_delete AFTER DELETE ON memberships BEGIN
            UPDATE connections
            SET connected_drivers = connected_drivers - (OLD.state = 'Connected'),
                pending_requests = pending_requests - (OLD.state = 'Pending')
            WHERE id = OLD.connection_id;
        END
        """),
    // A row written without a driver name (by an older release) takes its driver's first name.
    Piece("memberships_driver_name_insert", .trigger(table: "memberships"), on: .sqlite, """
        CREATE TRIGGER memberships_driver_name_insert AFTER INSERT ON memberships WHEN NEW.driver_name IS NULL BEGIN
            UPDATE memberships SET driver_name = (SELECT d.name FROM drivers d WHERE d.id = NEW.driver_id) WHERE id = NEW.id;
        END
        """),
    Piece("memberships_driver_name_update", .trigger(table: "memberships"), on: .sqlite, """
        CREATE TRIGGER memberships_driver_name_update BEFORE UPDATE OF driver_name ON memberships WHEN NEW.driver_name IS NULL BEGIN
            SELECT RAISE(ABORT, 'NOT NULL constraint failed: memberships.driver_name');
        END
        """),
    Piece("installation_secrets", .rows, on: .sqlite, "INSERT INTO installation_secrets (name, value) VALUES ('form-tokens', randomblob(32))"),
]

/// SQLite's migration 15: trigram indexes of drivers' names (as typed with each request) and emails.
private let driverSearchPieces: [Piece] = [
    Piece("memberships_search", .virtualTable, on: .sqlite, """
        CREATE VIRTUAL TABLE memberships_search USING fts5(driver_name, content='memberships', content_rowid='id', tokenize='trigram', columnsize=0)
        """),
    Piece("memberships_search_insert", .trigger(table: "memberships"), on: .sqlite, """
        CREATE TRIGGER memberships_search_insert AFTER INSERT ON memberships BEGIN INSERT INTO memberships_search (rowid, driver_name) VALUES (NEW.id, NEW.driver_name); END
        """),
    Piece("memberships_search_delete", .trigger(table: "memberships"), on: .sqlite, """
        CREATE TRIGGER memberships_search_delete AFTER DELETE ON memberships BEGIN INSERT INTO memberships_search (memberships_search, rowid, driver_name) VALUES ('delete', OLD.id, OLD.driver_name); END
        """),
    Piece("memberships_search_update", .trigger(table: "memberships"), on: .sqlite, """
        CREATE TRIGGER memberships_search_update AFTER UPDATE OF driver_name ON memberships BEGIN INSERT INTO memberships_search (memberships_search, rowid, driver_name) VALUES ('delete', OLD.id, OLD.driver_name); INSERT INTO memberships_search (rowid, driver_name) VALUES (NEW.id, NEW.driver_name); END
        """),
    Piece("drivers_search", .virtualTable, on: .sqlite, """
        CREATE VIRTUAL TABLE drivers_search USING fts5(email, content='drivers', content_rowid='id', tokenize='trigram', columnsize=0)
        """),
    Piece("drivers_search_insert", .trigger(table: "drivers"), on: .sqlite, """
        CREATE TRIGGER drivers_search_insert AFTER INSERT ON drivers BEGIN INSERT INTO drivers_search (rowid, email) VALUES (NEW.id, NEW.email); END
        """),
    Piece("drivers_search_delete", .trigger(table: "drivers"), on: .sqlite, """
        CREATE TRIGGER drivers_search_delete AFTER DELETE ON drivers BEGIN INSERT INTO drivers_search (drivers_search, rowid, email) VALUES ('delete', OLD.id, OLD.email); END
        """),
    Piece("drivers_search_update", .trigger(table: "drivers"), on: .sqlite, """
        CREATE TRIGGER drivers_search_update AFTER UPDATE OF email ON drivers BEGIN INSERT INTO drivers_search (drivers_search, rowid, email) VALUES ('delete', OLD.id, OLD.email); INSERT INTO drivers_search (rowid, email) VALUES (NEW.id, NEW.email); END
        """),
]

/// The texts of PostgreSQL's migrations 9 and 10: pg_trgm, the folding and hashing functions the SQL and the
/// indexes use, the counters' trigger. (Migration 12 dropped the shims of SQLite's functions the SQL no longer needs.)
private let postgresPieces: [Piece] = [
    Piece("pg_trgm", .extension, on: .postgres, "CREATE EXTENSION IF NOT EXISTS pg_trgm"),
    // Case folding beyond ASCII, as the app's TextFolding.fold (read PostgresSchema's migration 9).
    Piece("fold", .function(signature: "fold(text)"), on: .postgres, """
        CREATE FUNCTION fold(value text) RETURNS text
            LANGUAGE sql IMMUTABLE STRICT PARALLEL SAFE AS $$ SELECT lower(replace(value, 'Σ', 'σ') COLLATE "und-x-icu") $$
        """),
    // SQLite's sha256_hex(), which the app registers there.
    Piece("sha256_hex", .function(signature: "sha256_hex(text)"), on: .postgres, """
        CREATE FUNCTION sha256_hex(value text) RETURNS text
            LANGUAGE sql IMMUTABLE STRICT PARALLEL SAFE AS $$ SELECT encode(sha256(convert_to(value, 'UTF8')), 'hex') $$
        """),
    // Connected Drivers and Pending Requests counted as memberships change.
    Piece("memberships_count", .function(signature: "memberships_count()"), on: .postgres, """
        CREATE FUNCTION memberships_count() RETURNS trigger LANGUAGE plpgsql AS $$
        BEGIN
            -- Once a statement, from its transition tables: a batch of thousands of rows changes each
            -- connection's counters once (updating the row once a membership in one transaction would
            -- make each later update walk all of its versions).
            IF TG_OP = 'INSERT' THEN
                UPDATE connections c SET connected_drivers = c.connected_drivers + d.connected, pending_requests = c.pending_requests + d.pending
                FROM (SELECT connection_id, sum(connected) AS connected, sum(pending) AS pending FROM (SELECT connection_id, (state = 'Connected')::integer AS connected, (state = 'Pending')::integer AS pending FROM new_rows) AS change GROUP BY connection_id) AS d
                WHERE c.id = d.connection_id AND (d.connected <> 0 OR d.pending <> 0);
            ELSIF TG_OP = 'DELETE' THEN
                UPDATE connections c SET connected_drivers = c.connected_drivers + d.connected, pending_requests = c.pending_requests + d.pending
                FROM (SELECT connection_id, sum(connected) AS connected, sum(pending) AS pending FROM (SELECT connection_id, -(state = 'Connected')::integer AS connected, -(state = 'Pending')::integer AS pending FROM old_rows) AS change GROUP BY connection_id) AS d
                WHERE c.id = d.connection_id AND (d.connected <> 0 OR d.pending <> 0);
            ELSE
                UPDATE connections c SET connected_drivers = c.connected_drivers + d.connected, pending_requests = c.pending_requests + d.pending
                FROM (SELECT connection_id, sum(connected) AS connected, sum(pending) AS pending FROM (SELECT connection_id, (state = 'Connected')::integer AS connected, (state = 'Pending')::integer AS pending FROM new_rows UNION ALL SELECT connection_id, -(state = 'Connected')::integer AS connected, -(state = 'Pending')::integer AS pending FROM old_rows) AS change GROUP BY connection_id) AS d
                WHERE c.id = d.connection_id AND (d.connected <> 0 OR d.pending <> 0);
            END IF;
            RETURN NULL;
        END
        $$
        """),
    Piece("memberships_count_insert", .trigger(table: "memberships"), on: .postgres, """
        CREATE TRIGGER memberships_count_insert AFTER INSERT ON memberships REFERENCING NEW TABLE AS new_rows
            FOR EACH STATEMENT EXECUTE FUNCTION memberships_count()
        """),
    Piece("memberships_count_update", .trigger(table: "memberships"), on: .postgres, """
        CREATE TRIGGER memberships_count_update AFTER UPDATE ON memberships REFERENCING OLD TABLE AS old_rows NEW TABLE AS new_rows
            FOR EACH STATEMENT EXECUTE FUNCTION memberships_count()
        """),
    Piece("memberships_count_delete", .trigger(table: "memberships"), on: .postgres, """
        CREATE TRIGGER memberships_count_delete AFTER DELETE ON memberships REFERENCING OLD TABLE AS old_rows
            FOR EACH STATEMENT EXECUTE FUNCTION memberships_count()
        """),
    // 32 bytes from PostgreSQL's strong random source (gen_random_uuid), hashed together.
    Piece("installation_secrets", .rows, on: .postgres, """
        INSERT INTO installation_secrets (name, value)
            VALUES ('form-tokens', sha256(convert_to(gen_random_uuid()::text || gen_random_uuid()::text, 'UTF8')))
        """),
]
