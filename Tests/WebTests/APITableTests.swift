import Domain
import FastCGI
import Storage
import XCTest
@testable import Web

/// GET /api/v1/connections: the table's words, catalog, operator table and permissions, with a cursor.
final class APITableTests: APITestCase {
    /// The connection ids of a table page, in order (each row links to its invite panel or its requests).
    func pageIDs(_ client: TestClient, _ query: String) -> [Int] {
        let html = client.text(client.get("/connections?" + query))
        let tbody = html.components(separatedBy: "<tbody")[1].components(separatedBy: "</tbody>")[0]
        var ids: [Int] = []
        for row in tbody.components(separatedBy: "<tr").dropFirst() {
            if let range = row.range(of: #"/connections/[0-9]+/"#, options: .regularExpression) {
                ids.append(Int(row[range].split(separator: "/")[1])!)
            }
        }
        return ids
    }

    func rows(_ json: JSON) -> [JSON] { json["rows"]?.array ?? [] }

    func ids(_ json: JSON) -> [Int] { rows(json).compactMap { $0["id"]?.int } }

    func testTheListAnswersWithTheTablesWordsRowsAndTotal() throws {
        let client = try makeClient(connections: 400)
        let token = try client.token(for: DemoData.adminEmail)
        try client.signIn(DemoData.adminEmail)
        for query in ["f=name&op=contains&v=sta&f=questions&op=contains&v=emp&sort=connected_drivers&order=desc",
                      "f=status&op=is&v=Disabled&f=benefits&op=contains&v=charg&match=any&size=25&page=2",
                      "f=connected_drivers&op=gt&v=3&sort=org_name", "sort=created_at&order=desc&size=100"] {
            let answer = client.api("GET", "/api/v1/connections?" + query, token: token)
            XCTAssertEqual(answer.status, 200, query)
            XCTAssertEqual(client.header(answer, "Content-Type"), "application/json")
            let json = client.json(answer)
            XCTAssertEqual(ids(json), pageIDs(client, query), query)
            let total = client.text(client.get("/connections?" + query)).range(of: #"of [0-9,]+"#, options: .regularExpression)
            XCTAssertNotNil(total)
            XCTAssertEqual(json["total"], .int(Int(client.text(client.get("/connections?" + query))[total!].dropFirst(3).filter(\.isNumber))!), query)
        }
        // Cells typed by their column's kind, every column the Admin may see by default, or those of `cols`.
        let json = client.json(client.api("GET", "/api/v1/connections?size=25", token: token))
        XCTAssertEqual(json["columns"], .array(ColumnCatalog.all.map { .string($0.key) }))
        let first = rows(json)[0]
        guard first["connected_drivers"]?.int != nil, first["benefits"]?.array != nil, let link = first["invite_link"]?.string else {
            return XCTFail("cells not typed: \(first)")
        }
        XCTAssertTrue(link.hasPrefix("https://connect.example.test/join/"))
        let chosen = client.json(client.api("GET", "/api/v1/connections?cols=name,status&size=25", token: token))
        guard case .object(let fields) = rows(chosen)[0] else { return XCTFail() }
        XCTAssertEqual(fields.map(\.0), ["id", "name", "status"])
    }

    /// `filter=column:condition:value`, the one-word filter the document describes whole, reads as the page's `f`, `op`, `v`.
    func testOneWordFiltersReadAsThePagesWords() throws {
        let client = try makeClient(connections: 200)
        let token = try client.token(for: DemoData.adminEmail)
        let words = client.json(client.api("GET", "/api/v1/connections?filter=name:contains:sta&filter=connected_drivers:gt:1,0&size=200", token: token))
        let page = client.json(client.api("GET", "/api/v1/connections?f=name&op=contains&v=sta&f=connected_drivers&op=gt&v=10&size=200", token: token))
        XCTAssertEqual(ids(words), ids(page))
        XCTAssertEqual(words["filters"]?.array?.count, 2)
        let timed = client.api("GET", "/api/v1/connections?filter=created_at:is:2026-02-30", token: token)
        XCTAssertEqual(timed.status, 400)
        XCTAssertEqual(client.json(timed)["filters"]?.array?.first?["column"], "created_at")
        XCTAssertEqual(client.api("GET", "/api/v1/connections?filter=questions:empty:", token: token).status, 200)
        for query in ["filter=name:contains", "filter=name:gt:3", "filter=nope:is:x", "filter=name:contains:" + String(repeating: "x", count: 300),
                      "sel=" + (1...201).map(String.init).joined(separator: ","), "bom=2",
                      Array(repeating: "filter=name:contains:a", count: 9).joined(separator: "&")] {
            let path = query.hasPrefix("bom") ? "/api/v1/connections/export.csv?" : "/api/v1/connections?"
            XCTAssertEqual(client.api("GET", path + query, token: token).status, 400, String(query.prefix(60)))
        }
    }

    func testHandEditedWordsGetThePagesMessagesAsProblemDetails() throws {
        let client = try makeClient()
        let token = try client.token(for: DemoData.adminEmail)
        try client.signIn(DemoData.adminEmail)
        for (query, status) in [("f=nope&op=is&v=x", 400), ("f=name&op=sideways&v=x", 400), ("sort=nope", 400), ("page=0", 400),
                                ("size=201", 400), ("org=abc", 400), ("cols=name,nope", 400), ("f=name&op=contains", 400)] {
            let api = client.api("GET", "/api/v1/connections?" + query, token: token)
            let page = client.get("/connections?" + query)
            XCTAssertEqual(api.status, status, query)
            XCTAssertEqual(page.status, status, query)
            XCTAssertEqual(client.header(api, "Content-Type"), "application/problem+json", query)
            // The page shows an unfinished filter's own message next to it.
            let json = client.json(api)
            guard let detail = json["filters"]?.array?.first?["detail"]?.string ?? json["detail"]?.string else { XCTFail(query); continue }
            XCTAssertTrue(client.text(page).contains(detail.htmlEscaped), "\(query): the page does not say “\(detail)”")
        }
        // A filter that cannot apply as written: the page shows it next to the filter, the API refuses with each problem.
        let unfinished = client.json(client.api("GET", "/api/v1/connections?f=name&op=contains&v=&f=connected_drivers&op=gt&v=many", token: token))
        XCTAssertEqual(unfinished["status"], .int(400))
        guard let problems = unfinished["filters"]?.array else { return XCTFail("\(unfinished)") }
        XCTAssertEqual(problems.map { $0["detail"] }, [.string("Enter a value, or choose “Is empty”."),
                                                       .string("Connected Drivers is a whole number: enter digits, like 10.")])
        XCTAssertEqual(client.api("GET", "/api/v1/connections?page=2&cursor=abc", token: token).status, 400)
        XCTAssertEqual(client.api("GET", "/api/v1/connections?cursor=%%%", token: token).status, 400)
    }

    /// Keyset paging: a client walking every page while rows are added (before and after its place)
    /// sees each row at most once, and every row that was there when it started.
    /// Names whose capitals lie beyond ASCII: the cursor compares as the sort does (NOCASE folds ASCII
    /// letters only, on either database), so pages follow one another without a gap or a repeat.
    func testWalkingByNamesBeyondASCIISeesEachRowOnceInOrder() throws {
        // 43 demo rows and these 10: the seven beginning beyond ASCII sort last (rows 47 to 53), and
        // the second page ends among them.
        let client = try makeClient(connections: 43)
        let token = try client.token(for: DemoData.adminEmail)
        let other = try client.otherConnection()
        let org = try client.scalar("SELECT min(id) FROM organizations")
        for (n, name) in ["École A", "École B", "école c", "Über", "über", "zulu", "Zulu 2", "Ärger", "apple", "ÉCOLE D"].enumerated() {
            try other.run("""
                INSERT INTO connections (org_id, name, status, connection_type, approval_type, visibility, search_code, invite_token,
                                         created_at, updated_at)
                VALUES (\(p: 1), \(p: 2), 'Enabled', 'Standard', 'Manually approve', 'Private', \(p: 3), \(p: 4), '2026-01-01T00:00:00Z', '2026-01-01T00:00:00Z')
                """, [.init(org), .text(name), .text("WXWX" + String([n / 31, n % 31].map { InviteCodes.searchCodeAlphabet[$0] })),
                      .text("beyond-ascii-token-\(n)-aaaaaaaaaaaa")])
        }
        let everyRow = ids(client.json(client.api("GET", "/api/v1/connections?size=200&sort=name&cols=name", token: token)))
        var seen: [Int] = []
        var target: String? = "/api/v1/connections?size=25&sort=name&cols=name"
        while let next = target {
            let json = client.json(client.api("GET", next, token: token))
            seen += ids(json)
            target = json["next"]?.string
        }
        XCTAssertEqual(seen, everyRow)
        XCTAssertEqual(everyRow.count, 53)
    }

    func testWalkingEveryPageWhileRowsAreAddedSeesEachRowOnce() throws {
        let client = try makeClient(connections: 300)
        let token = try client.token(for: DemoData.adminEmail)
        let other = try client.otherConnection()
        let before = Set(try other.query("SELECT id FROM connections") { $0.int(0) })
        let org = try client.scalar("SELECT min(id) FROM organizations")
        var seen: [Int] = []
        var target: String? = "/api/v1/connections?size=25&sort=name&cols=name"
        var added = 0
        while let next = target {
            let json = client.json(client.api("GET", next, token: token))
            XCTAssertEqual(json["size"], .int(25))
            seen += ids(json)
            // Rows that sort first, last, and right after this page's last row.
            let lastName: String
            lastName = rows(json).last?["name"]?.string ?? "m"
            for name in ["!!! first \(added)", "zzzz last \(added)", lastName + " after \(added)"] {
                try other.run("""
                    INSERT INTO connections (org_id, name, status, connection_type, approval_type, visibility, search_code, invite_token,
                                             created_at, updated_at)
                    VALUES (\(p: 1), \(p: 2), 'Enabled', 'Standard', 'Manually approve', 'Private', \(p: 3), \(p: 4), '2026-01-01T00:00:00Z', '2026-01-01T00:00:00Z')
                    """, [.init(org), .text(name), .text("WQWQ" + String([added / 31, added % 31].map { InviteCodes.searchCodeAlphabet[$0] })),
                          .text("walk-token-\(added)-aaaaaaaaaaaaaaaa")])
                added += 1
            }
            target = json["next"]?.string
        }
        XCTAssertEqual(seen.count, Set(seen).count, "a row came twice")
        XCTAssertTrue(before.isSubset(of: Set(seen)), "rows there from the start were missed")
        XCTAssertGreaterThan(added, 30)
    }

    func testTheCursorBelongsToItsSortAndWorksEveryWay() throws {
        let client = try makeClient(connections: 200)
        let token = try client.token(for: DemoData.adminEmail)
        try client.signIn(DemoData.adminEmail)
        for sort in ["connected_drivers&order=desc", "org_name", "benefits&order=desc", "created_at", "org_id&order=desc",
                     "search_code", "status&f=name&op=contains&v=st"] {
            var walked: [Int] = []
            var json = client.json(client.api("GET", "/api/v1/connections?size=25&cols=name&sort=" + sort, token: token))
            walked += ids(json)
            while case .string(let next)? = json["next"] {
                json = client.json(client.api("GET", next, token: token))
                walked += ids(json)
            }
            // The same rows, in the same order, as the table's pages.
            var paged: [Int] = []
            for page in 1...max(1, (walked.count + 24) / 25) { paged += pageIDs(client, "size=25&cols=name&sort=\(sort)&page=\(page)") }
            XCTAssertEqual(walked, paged, sort)
        }
        let first = client.json(client.api("GET", "/api/v1/connections?size=25&sort=name", token: token))
        guard let cursor = first["next_cursor"]?.string else { return XCTFail() }
        let other = client.api("GET", "/api/v1/connections?size=25&sort=connected_drivers&cursor=" + cursor, token: token)
        XCTAssertEqual(other.status, 400)
        XCTAssertEqual(client.json(other)["detail"], .string("This cursor belongs to another query: its sort and order differs from this request's. "
                                                             + "Follow “next” as it is (it repeats the whole query), or start again without it."))
    }

    /// Issue 21: the cursor carried the sort but not the filters, so a next page asked without one
    /// filter answered every row. A cursor belongs to its whole query; `next` repeats it.
    func testACursorBelongsToItsWholeQuery() throws {
        let client = try makeClient(connections: 200)
        let token = try client.token(for: DemoData.adminEmail)
        let org = try client.scalar("SELECT min(org_id) FROM connections")
        let query = "org=\(org)&f=name&op=contains&v=st&f=status&op=is&v=Enabled&match=any&sort=connected_drivers&order=desc&size=25"
        let first = client.json(client.api("GET", "/api/v1/connections?" + query, token: token))
        guard let cursor = first["next_cursor"]?.string, let next = first["next"]?.string else { return XCTFail("one page only: \(first)") }
        // `next` is the whole query and the cursor: followed as it is, the filtered walk goes on.
        XCTAssertEqual(next, "/api/v1/connections?" + query + "&cursor=" + cursor)
        let second = client.api("GET", next, token: token)
        XCTAssertEqual(second.status, 200)
        XCTAssertEqual(client.json(second)["total"], first["total"])
        for (other, differs) in [
            ("f=name&op=contains&v=st&f=status&op=is&v=Disabled&match=any&sort=connected_drivers&order=desc&org=\(org)", "filters (f, op, v) differs"),
            // With one filter left, Match any or all no longer applies: both parts differ.
            ("f=name&op=contains&v=st&match=any&sort=connected_drivers&order=desc&org=\(org)", "filters (f, op, v), match differ"),
            ("f=name&op=contains&v=st&f=status&op=is&v=Enabled&sort=connected_drivers&order=desc&org=\(org)", "match differs"),
            ("f=name&op=contains&v=st&f=status&op=is&v=Enabled&match=any&sort=connected_drivers&org=\(org)", "sort and order differs"),
            ("f=name&op=contains&v=st&f=status&op=is&v=Enabled&match=any&sort=connected_drivers&order=desc", "organization (org) differs"),
            ("sort=connected_drivers&order=desc", "filters (f, op, v), match, organization (org) differ"),
            ("f=name&op=contains&v=st&f=status&op=is&v=Enabled&match=any&sort=connected_drivers&order=desc&org=\(org)&sel=1,2",
             "selection (sel) differs"),
        ] {
            let refused = client.api("GET", "/api/v1/connections?\(other)&cursor=\(cursor)", token: token)
            XCTAssertEqual(refused.status, 400, other)
            XCTAssertEqual(client.json(refused)["detail"]?.string, "This cursor belongs to another query: its \(differs) from this request's. "
                           + "Follow “next” as it is (it repeats the whole query), or start again without it.", other)
        }
        // What does not choose rows may change: columns, page size, a value's spaces.
        let same = query.replacingOccurrences(of: "v=st", with: "v=%20st%20").replacingOccurrences(of: "size=25", with: "size=50&cols=name")
        XCTAssertEqual(client.api("GET", "/api/v1/connections?\(same)&cursor=\(cursor)", token: token).status, 200)
        // A memberships cursor is not a connections one, and back.
        let memberships = client.json(client.api("GET", "/api/v1/memberships?state=Connected&size=1", token: token))
        guard let theirs = memberships["next_cursor"]?.string else { return XCTFail() }
        XCTAssertEqual(client.json(client.api("GET", "/api/v1/connections?cursor=" + theirs, token: token))["detail"]?.string,
                       "This cursor continues another list (memberships): start this one without a cursor.")
        XCTAssertEqual(client.json(client.api("GET", "/api/v1/memberships?cursor=" + cursor, token: token))["detail"]?.string,
                       "This cursor continues another list (connections): start this one without a cursor.")
    }

    /// Issue 21: Invite Link was offered as a filter but every condition answered "Contains compares
    /// numbers and dates". It filters as text (a whole link reads as its token); Viewers get 403.
    func testInviteLinkFiltersAsTextForThoseWhoMaySeeIt() throws {
        let client = try makeClient()
        let token = try client.token(for: DemoData.adminEmail)
        let all = client.json(client.api("GET", "/api/v1/connections?size=200&cols=invite_link", token: token))
        guard let first = rows(all).first, let link = first["invite_link"]?.string, let id = first["id"]?.int else { return XCTFail() }
        let piece = String(link.suffix(8).prefix(5))
        let expected = rows(all).filter { $0["invite_link"]?.string?.split(separator: "/").last?.lowercased().contains(piece.lowercased()) == true }
        for (condition, value, count) in [("contains", piece, expected.count), ("is", link, 1), ("is", String(link.split(separator: "/").last!), 1),
                                          ("starts", String(link.split(separator: "/").last!.prefix(6)), nil), ("not_empty", "", rows(all).count),
                                          ("empty", "", 0)] {
            let query = "size=200&cols=invite_link&f=invite_link&op=\(condition)&v=" + URLEncoding.encode(value)
            let answer = client.api("GET", "/api/v1/connections?" + query, token: token)
            XCTAssertEqual(answer.status, 200, "\(query): \(client.text(answer).prefix(300))")
            if let count { XCTAssertEqual(rows(client.json(answer)).count, count, query) }
            if condition == "is" { XCTAssertEqual(ids(client.json(answer)), [id], query) }
        }
        let sentence = client.json(client.api("GET", "/api/v1/connections?f=invite_link&op=contains&v=" + piece, token: token))["filters"]?.array?.first
        XCTAssertEqual(sentence?["sentence"]?.string, "Invite Link contains “\(piece)”")
        let viewer = try client.token(for: DemoData.viewerEmail)
        for condition in ["contains", "is", "empty"] {
            let refused = client.api("GET", "/api/v1/connections?f=invite_link&op=\(condition)&v=x", token: viewer)
            XCTAssertEqual(refused.status, 403, condition)
            XCTAssertEqual(client.json(refused)["detail"]?.string, "Your role cannot see the Invite Link column here, so it cannot filter or sort by it.")
        }
        // The page answers alike: the Admin's rows filtered, the Viewer's 403.
        try client.signIn(DemoData.adminEmail)
        XCTAssertEqual(pageIDs(client, "size=200&f=invite_link&op=is&v=" + URLEncoding.encode(link)), [id])
        client.signOut()
        try client.signIn(DemoData.viewerEmail)
        XCTAssertEqual(client.get("/connections?f=invite_link&op=contains&v=x").status, 403)
    }

    func testViewersNeverSeeInviteSecretsThroughTheAPI() throws {
        let client = try makeClient()
        let viewer = try client.token(for: DemoData.viewerEmail)
        let json = client.json(client.api("GET", "/api/v1/connections", token: viewer))
        guard let columns = json["columns"]?.array else { return XCTFail() }
        XCTAssertFalse(columns.contains(.string("search_code")) || columns.contains(.string("invite_link")))
        XCTAssertFalse(client.text(client.api("GET", "/api/v1/connections?size=200", token: viewer)).contains("/join/"))
        for query in ["cols=name,invite_link", "sort=search_code", "f=search_code&op=contains&v=A"] {
            let answer = client.api("GET", "/api/v1/connections?" + query, token: viewer)
            XCTAssertEqual(answer.status, 403, query)
        }
        let id = try client.scalar("SELECT min(c.id) FROM connections c JOIN user_roles r ON r.org_id = c.org_id JOIN users u ON u.id = r.user_id WHERE u.email = \(p: 1)",
                                   [.text(DemoData.viewerEmail)])
        let one = client.json(client.api("GET", "/api/v1/connections/\(id)", token: viewer))
        XCTAssertNil(one["row"]?["search_code"])
        XCTAssertNil(one["row"]?["invite_link"])
        XCTAssertNotNil(one["row"]?["connected_drivers"])
        XCTAssertEqual(client.api("GET", "/api/v1/connections/export.ndjson?cols=name,search_code", token: viewer).status, 403)
    }
}

extension String {
    /// As the templates escape text.
    var htmlEscaped: String {
        replacingOccurrences(of: "&", with: "&amp;").replacingOccurrences(of: "<", with: "&lt;").replacingOccurrences(of: ">", with: "&gt;")
            .replacingOccurrences(of: "\"", with: "&quot;").replacingOccurrences(of: "'", with: "&#39;")
    }
}
