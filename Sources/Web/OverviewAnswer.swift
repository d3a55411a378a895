import Domain

/// The overview's figures as the API writes them: the same numbers as the page's charts and tables.
enum OverviewAnswer: JSONAnswer {
    static let schemaName = "Overview"

    static var members: [JSONMember<Overview>] {
        let integer: JSON = ["type": "integer"]
        let day: JSON = ["type": "string", "format": "date"]
        func object(_ properties: [(String, JSON)]) -> JSON {
            ["type": "object", "required": .array(properties.map { .string($0.0) }), "properties": .object(properties)]
        }
        let dayCount = object([("day", day), ("count", integer)])
        let week = object([("first_day", day), ("last_day", day), ("requested", integer), ("joined_automatically", integer),
                           ("joined_by_domain", integer), ("joined_by_person", integer), ("denied", integer), ("removed", integer),
                           ("email_invites", integer)])
        let connection = object([("id", integer), ("name", ["type": "string"]), ("organization", ["type": "string"]), ("drivers", integer)])
        let organization = object([("id", integer), ("name", ["type": "string"]), ("pending", integer), ("connected", integer),
                                   ("growth_4_weeks", integer)])
        let ageBucket = object([("label", ["type": "string"]), ("min_days", integer), ("count", integer)])
        return [
            JSONMember(name: "today", schema: day) { .string($0.today) },
            JSONMember(name: "organization_ids", schema: ["type": "array", "items": integer]) { .array($0.organizationIDs.map(JSON.int)) },
            JSONMember(name: "pending", schema: integer) { .int($0.pending) },
            JSONMember(name: "connected", schema: integer) { .int($0.connected) },
            JSONMember(name: "connections", schema: integer) { .int($0.connections) },
            JSONMember(name: "connections_without_drivers", schema: integer) { .int($0.emptyConnections) },
            JSONMember(name: "backlog", schema: ["type": "array", "items": dayCount, "description": "Requests waiting at the end of each of the last 90 days, oldest first."]) {
                .array($0.backlog.map { .object([("day", .string($0.day)), ("count", .int($0.count))]) })
            },
            JSONMember(name: "pending_by_age", schema: ["type": "array", "items": ageBucket]) { overview in
                .array(zip(Overview.ageBuckets, overview.ages).map {
                    .object([("label", .string($0.0.label)), ("min_days", .int($0.0.days.lowerBound)), ("count", .int($0.1))])
                })
            },
            JSONMember(name: "weeks", schema: ["type": "array", "items": week, "description": "The last 52 weeks, oldest first; the last ends today."]) {
                .array($0.weeks.map { week in
                    .object([("first_day", .string(week.first)), ("last_day", .string(week.last)), ("requested", .int(week.requested)),
                             ("joined_automatically", .int(week.joinedAutomatic)), ("joined_by_domain", .int(week.joinedByDomain)),
                             ("joined_by_person", .int(week.joinedManual)), ("denied", .int(week.denied)), ("removed", .int(week.removed)),
                             ("email_invites", .int(week.invited))])
                })
            },
            JSONMember(name: "top_connections", schema: ["type": "array", "items": connection]) { .array($0.topConnections.map(encode)) },
            JSONMember(name: "connections_without_drivers_sample", schema: ["type": "array", "items": connection]) { .array($0.emptySample.map(encode)) },
            JSONMember(name: "organizations", schema: ["type": "array", "items": organization,
                                                        "description": "For several organizations: those with the most requests waiting."]) {
                .array($0.organizations.map {
                    .object([("id", .int($0.id)), ("name", .string($0.name)), ("pending", .int($0.pending)), ("connected", .int($0.connected)),
                             ("growth_4_weeks", .int($0.growth))])
                })
            },
        ]
    }

    private static func encode(_ connection: Overview.ConnectionCount) -> JSON {
        .object([("id", .int(connection.id)), ("name", .string(connection.name)), ("organization", .string(connection.organization)),
                 ("drivers", .int(connection.drivers))])
    }
}
