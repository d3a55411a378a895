/// The overview's figures, kept current by the writes that change them (schema 16): triggers on
/// memberships, connections and the outbox add to a row per organization and day (and to one of the
/// installation's rows, organizations -1 to -16, so that an Admin of every organization reads a few
/// thousand rows, not one per organization per day), so the overview never scans the memberships.
/// The installation's rows are striped by connection: writes to different connections seldom wait
/// for the same row lock on PostgreSQL. Whatever changes a
/// membership (a join, a decision, a removal, an import, an expiry) counts without code of its own.
///
/// Each trigger statement adds one set of deltas at one day, for the connection's organization and
/// for the installation; the texts are written once here for both databases' triggers and migrations.
public enum OverviewRollupSQL {
    /// How many rows per day the installation's figures are striped over (organizations -1 ... -16).
    public static let installationStripes = 16
    public static let installationRows = (1...installationStripes).map { -$0 }

    static let dayColumns = ["requested", "pending_change", "waiting", "joined_automatic", "joined_domain", "joined_manual",
                             "denied", "removed", "invited"]

    /// A membership's `row` (NEW or OLD) as counted when it enters (`sign` 1) or leaves (-1) a state.
    struct Deltas {
        var requested = "0", pendingChange = "0", waiting = "0", automatic = "0", domain = "0", manual = "0"
        var denied = "0", removed = "0", invited = "0"
        var values: [String] { [requested, pendingChange, waiting, automatic, domain, manual, denied, removed, invited] }
    }

    static func whenState(_ row: String, _ state: String, _ value: String = "1") -> String {
        "CASE WHEN \(row).state = '\(state)' THEN \(value) ELSE 0 END"
    }

    /// How a request became Connected: by a person (a decision or an import by a user), by the
    /// connection's email domains, or automatically.
    static func joined(_ row: String) -> (automatic: String, domain: String, manual: String) {
        let connected = "\(row).state = 'Connected'"
        let byPerson = "\(row).decided_by_user_id IS NOT NULL"
        let byDomain = "scope.approval_type = 'Automatically approve by email domain'"
        return ("CASE WHEN \(connected) AND NOT \(byPerson) AND NOT \(byDomain) THEN 1 ELSE 0 END",
                "CASE WHEN \(connected) AND NOT \(byPerson) AND \(byDomain) THEN 1 ELSE 0 END",
                "CASE WHEN \(connected) AND \(byPerson) THEN 1 ELSE 0 END")
    }

    /// One upsert: `deltas` at `day` for the organization of `connection` and for the installation,
    /// when `condition` holds (a connection already gone counts nothing: its delete counted first).
    static func add(_ deltas: Deltas, day: String, connection: String, when condition: String = "1 = 1") -> String {
        """
        INSERT INTO overview_days (org_id, day, \(dayColumns.joined(separator: ", ")))
                SELECT scope.org_id, substr(\(day), 1, 10), \(deltas.values.joined(separator: ", "))
                FROM (SELECT c.org_id, c.approval_type FROM connections c WHERE c.id = \(connection)
                      UNION ALL SELECT -1 - c.id % \(installationStripes), c.approval_type FROM connections c WHERE c.id = \(connection)) AS scope
                WHERE \(condition)
                ON CONFLICT (org_id, day) DO UPDATE SET \(dayColumns.map { "\($0) = overview_days.\($0) + excluded.\($0)" }.joined(separator: ", "));
        """
    }

    /// The statements a membership's insert, update and delete run, in order, for `today` as each
    /// database spells the day now (used only when a change carries no decision time).
    static func membershipInsert() -> [String] {
        let new = joined("NEW")
        return [
            add(Deltas(requested: "1", pendingChange: whenState("NEW", "Pending"), waiting: whenState("NEW", "Pending")),
                day: "NEW.requested_at", connection: "NEW.connection_id"),
            add(Deltas(automatic: new.automatic, domain: new.domain, manual: new.manual,
                       denied: whenState("NEW", "Denied"), removed: whenState("NEW", "Removed")),
                day: "coalesce(NEW.decided_at, NEW.requested_at)", connection: "NEW.connection_id", when: "NEW.state <> 'Pending'"),
        ]
    }

    static func membershipUpdate(today: String) -> [String] {
        let new = joined("NEW")
        return [
            // A request that stops waiting leaves its day's queue...
            add(Deltas(waiting: "-1"), day: "OLD.requested_at", connection: "OLD.connection_id", when: "OLD.state = 'Pending'"),
            // ...and the backlog on the day it was decided, with what it became.
            add(Deltas(pendingChange: whenState("OLD", "Pending", "-1"), automatic: new.automatic, domain: new.domain, manual: new.manual,
                       denied: whenState("NEW", "Denied"), removed: whenState("NEW", "Removed")),
                day: "coalesce(NEW.decided_at, \(today))", connection: "NEW.connection_id", when: "NEW.state <> 'Pending'"),
            // A driver asking again is a new request.
            add(Deltas(requested: "1", pendingChange: "1", waiting: "1"), day: "NEW.requested_at", connection: "NEW.connection_id",
                when: "NEW.state = 'Pending'"),
        ]
    }

    static func membershipDelete(today: String) -> [String] {
        [
            add(Deltas(waiting: "-1"), day: "OLD.requested_at", connection: "OLD.connection_id", when: "OLD.state = 'Pending'"),
            add(Deltas(pendingChange: whenState("OLD", "Pending", "-1"), removed: whenState("OLD", "Connected")),
                day: today, connection: "OLD.connection_id", when: "OLD.state IN ('Pending', 'Connected')"),
        ]
    }

    /// An email invite queued for a connection's organization.
    static func inviteQueued() -> String {
        """
        INSERT INTO overview_days (org_id, day, \(dayColumns.joined(separator: ", ")))
                SELECT scope.org_id, substr(NEW.created_at, 1, 10), 0, 0, 0, 0, 0, 0, 0, 0, 1
                FROM (SELECT NEW.org_id AS org_id UNION ALL SELECT -1 - NEW.org_id % \(installationStripes)) AS scope
                WHERE NEW.kind = 'invite' AND NEW.org_id IS NOT NULL
                ON CONFLICT (org_id, day) DO UPDATE SET invited = overview_days.invited + 1;
        """
    }

    /// An organization's connections, empty connections, connected drivers and waiting requests,
    /// from the connections' own counters as they change.
    static func connectionInsert(isZero: (String) -> String) -> String {
        """
        INSERT INTO overview_orgs (org_id, connections, empty_connections, connected, pending)
                VALUES (NEW.org_id, 1, \(isZero("NEW.connected_drivers")), NEW.connected_drivers, NEW.pending_requests)
                ON CONFLICT (org_id) DO UPDATE SET connections = overview_orgs.connections + 1,
                    empty_connections = overview_orgs.empty_connections + excluded.empty_connections,
                    connected = overview_orgs.connected + excluded.connected, pending = overview_orgs.pending + excluded.pending;
        """
    }

    static func connectionUpdate(isZero: (String) -> String) -> String {
        """
        UPDATE overview_orgs SET empty_connections = empty_connections - \(isZero("OLD.connected_drivers")) + \(isZero("NEW.connected_drivers")),
                    connected = connected - OLD.connected_drivers + NEW.connected_drivers,
                    pending = pending - OLD.pending_requests + NEW.pending_requests
                WHERE org_id = NEW.org_id;
        """
    }

    static func connectionDelete(isZero: (String) -> String) -> String {
        """
        UPDATE overview_orgs SET connections = connections - 1, empty_connections = empty_connections - \(isZero("OLD.connected_drivers")),
                    connected = connected - OLD.connected_drivers, pending = pending - OLD.pending_requests
                WHERE org_id = OLD.org_id;
        """
    }

    /// A connection's memberships go before it does, each through the membership trigger, so that
    /// the figures lose them while the connection still names its organization.
    static let connectionBeforeDelete = "DELETE FROM memberships WHERE connection_id = OLD.id;"

    // MARK: - SQLite

    static let sqliteToday = "strftime('%Y-%m-%d', 'now')"
    static func sqliteIsZero(_ value: String) -> String { "(\(value) = 0)" }

    static func sqliteTrigger(_ name: String, _ timing: String, _ statements: [String], when: String? = nil) -> String {
        "CREATE TRIGGER \(name) \(timing)\(when.map { " WHEN \($0)" } ?? "") BEGIN\n        "
            + statements.joined(separator: "\n        ") + "\nEND"
    }

    static let sqliteTriggers: [(name: String, table: String, sql: String)] = [
        ("overview_membership_insert", "memberships", sqliteTrigger("overview_membership_insert", "AFTER INSERT ON memberships",
                                                                      membershipInsert())),
        ("overview_membership_update", "memberships", sqliteTrigger("overview_membership_update", "AFTER UPDATE OF state ON memberships",
                                                                      membershipUpdate(today: sqliteToday), when: "OLD.state <> NEW.state")),
        ("overview_membership_delete", "memberships", sqliteTrigger("overview_membership_delete", "AFTER DELETE ON memberships",
                                                                      membershipDelete(today: sqliteToday))),
        ("overview_invite", "outbox", sqliteTrigger("overview_invite", "AFTER INSERT ON outbox", [inviteQueued()],
                                                     when: "NEW.kind = 'invite'")),
        ("overview_connection_insert", "connections", sqliteTrigger("overview_connection_insert", "AFTER INSERT ON connections",
                                                                      [connectionInsert(isZero: sqliteIsZero)])),
        ("overview_connection_update", "connections", sqliteTrigger("overview_connection_update",
                                                                      "AFTER UPDATE OF connected_drivers, pending_requests ON connections",
                                                                      [connectionUpdate(isZero: sqliteIsZero)])),
        ("overview_connection_before_delete", "connections", sqliteTrigger("overview_connection_before_delete", "BEFORE DELETE ON connections",
                                                                             [connectionBeforeDelete])),
        ("overview_connection_delete", "connections", sqliteTrigger("overview_connection_delete", "AFTER DELETE ON connections",
                                                                      [connectionDelete(isZero: sqliteIsZero)])),
    ]

    // MARK: - PostgreSQL

    static let postgresToday = "to_char(now() AT TIME ZONE 'UTC', 'YYYY-MM-DD')"
    static func postgresIsZero(_ value: String) -> String { "CASE WHEN \(value) = 0 THEN 1 ELSE 0 END" }

    static let postgresMembershipFunction = """
        CREATE FUNCTION overview_membership() RETURNS trigger LANGUAGE plpgsql AS $$
        BEGIN
            IF TG_OP = 'INSERT' THEN
                \(membershipInsert().joined(separator: "\n        "))
            ELSIF TG_OP = 'UPDATE' THEN
                IF OLD.state <> NEW.state THEN
                \(membershipUpdate(today: postgresToday).joined(separator: "\n        "))
                END IF;
            ELSE
                \(membershipDelete(today: postgresToday).joined(separator: "\n        "))
            END IF;
            RETURN NULL;
        END
        $$
        """
    static let postgresInviteFunction = """
        CREATE FUNCTION overview_invite() RETURNS trigger LANGUAGE plpgsql AS $$
        BEGIN
            \(inviteQueued())
            RETURN NULL;
        END
        $$
        """
    static let postgresConnectionFunction = """
        CREATE FUNCTION overview_connection() RETURNS trigger LANGUAGE plpgsql AS $$
        BEGIN
            IF TG_OP = 'INSERT' THEN
                \(connectionInsert(isZero: postgresIsZero))
            ELSIF TG_OP = 'UPDATE' THEN
                \(connectionUpdate(isZero: postgresIsZero))
            ELSE
                \(connectionDelete(isZero: postgresIsZero))
            END IF;
            RETURN NULL;
        END
        $$
        """
    static let postgresConnectionBeforeDeleteFunction = """
        CREATE FUNCTION overview_connection_before_delete() RETURNS trigger LANGUAGE plpgsql AS $$
        BEGIN
            \(connectionBeforeDelete)
            RETURN OLD;
        END
        $$
        """
    static let postgresFunctions: [(signature: String, sql: String)] = [
        ("overview_membership()", postgresMembershipFunction),
        ("overview_invite()", postgresInviteFunction),
        ("overview_connection()", postgresConnectionFunction),
        ("overview_connection_before_delete()", postgresConnectionBeforeDeleteFunction),
    ]
    static let postgresTriggers: [(name: String, table: String, sql: String)] = [
        ("overview_membership", "memberships", """
            CREATE TRIGGER overview_membership AFTER INSERT OR DELETE OR UPDATE OF state ON memberships
                FOR EACH ROW EXECUTE FUNCTION overview_membership()
            """),
        ("overview_invite", "outbox", """
            CREATE TRIGGER overview_invite AFTER INSERT ON outbox FOR EACH ROW WHEN (NEW.kind = 'invite') EXECUTE FUNCTION overview_invite()
            """),
        ("overview_connection", "connections", """
            CREATE TRIGGER overview_connection AFTER INSERT OR DELETE OR UPDATE OF connected_drivers, pending_requests ON connections
                FOR EACH ROW EXECUTE FUNCTION overview_connection()
            """),
        ("overview_connection_before_delete", "connections", """
            CREATE TRIGGER overview_connection_before_delete BEFORE DELETE ON connections
                FOR EACH ROW EXECUTE FUNCTION overview_connection_before_delete()
            """),
    ]

    // MARK: - Tables and the figures of an existing installation

    static func tables(_ dialect: SQLDialect) -> String {
        let int = dialect == .sqlite ? "INTEGER" : "bigint"
        let text = dialect == .sqlite ? "TEXT" : "text COLLATE \"C\""
        let counters = dayColumns.map { "    \($0.padding(toLength: 20, withPad: " ", startingAt: 0)) \(int) NOT NULL DEFAULT 0" }
        return """
        CREATE TABLE overview_days (
            org_id               \(int) NOT NULL,
            day                  \(text) NOT NULL,
        \(counters.joined(separator: ",\n")),
            PRIMARY KEY (org_id, day)
        )\(dialect == .sqlite ? " WITHOUT ROWID" : "");
        CREATE TABLE overview_orgs (
            org_id               \(int) PRIMARY KEY REFERENCES organizations(id) ON DELETE CASCADE,
            connections          \(int) NOT NULL DEFAULT 0,
            empty_connections    \(int) NOT NULL DEFAULT 0,
            connected            \(int) NOT NULL DEFAULT 0,
            pending              \(int) NOT NULL DEFAULT 0
        );
        CREATE INDEX overview_orgs_pending ON overview_orgs (pending);
        """
    }

    /// The figures of the memberships an installation already has: each request on its day, each
    /// decision on its decision's day (the approval way read as the trigger reads it).
    static func backfill(_ dialect: SQLDialect) -> String {
        let isTrue = { (condition: String) in "CASE WHEN \(condition) THEN 1 ELSE 0 END" }
        let byDomain = "c.approval_type = 'Automatically approve by email domain'"
        let rows = """
            SELECT c.org_id AS org_id, substr(m.requested_at, 1, 10) AS day, 1 AS requested, 1 AS pending_change,
                   \(isTrue("m.state = 'Pending'")) AS waiting, 0 AS joined_automatic, 0 AS joined_domain, 0 AS joined_manual,
                   0 AS denied, 0 AS removed, 0 AS invited
            FROM memberships m JOIN connections c ON c.id = m.connection_id
            UNION ALL
            SELECT c.org_id, substr(coalesce(m.decided_at, m.requested_at), 1, 10), 0, -1, 0,
                   \(isTrue("m.state = 'Connected' AND m.decided_by_user_id IS NULL AND NOT \(byDomain)")),
                   \(isTrue("m.state = 'Connected' AND m.decided_by_user_id IS NULL AND \(byDomain)")),
                   \(isTrue("m.state = 'Connected' AND m.decided_by_user_id IS NOT NULL")),
                   \(isTrue("m.state = 'Denied'")), \(isTrue("m.state = 'Removed'")), 0
            FROM memberships m JOIN connections c ON c.id = m.connection_id WHERE m.state <> 'Pending'
            UNION ALL
            SELECT org_id, substr(created_at, 1, 10), 0, 0, 0, 0, 0, 0, 0, 0, 1 FROM outbox WHERE kind = 'invite' AND org_id IS NOT NULL
            """
        let sums = dayColumns.map { "sum(\($0))" }.joined(separator: ", ")
        let columns = dayColumns.joined(separator: ", ")
        return """
        INSERT INTO overview_days (org_id, day, \(columns))
            SELECT org_id, day, \(sums) FROM (\(rows)) AS counted GROUP BY org_id, day;
        INSERT INTO overview_days (org_id, day, \(columns))
            SELECT -1 - org_id % \(installationStripes), day, \(sums) FROM overview_days GROUP BY -1 - org_id % \(installationStripes), day;
        INSERT INTO overview_orgs (org_id, connections, empty_connections, connected, pending)
            SELECT org_id, count(*), sum(\(isTrue("connected_drivers = 0"))), sum(connected_drivers), sum(pending_requests)
            FROM connections GROUP BY org_id;
        """
    }

    static func migration(_ dialect: SQLDialect) -> String {
        var parts = [tables(dialect), backfill(dialect)]
        switch dialect {
        case .sqlite: parts += sqliteTriggers.map { $0.sql + ";" }
        case .postgres: parts += postgresFunctions.map { $0.sql + ";" } + postgresTriggers.map { $0.sql + ";" }
        }
        return parts.joined(separator: "\n")
    }
}
