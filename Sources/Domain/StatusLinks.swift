import Storage

/// A driver's private links to their request's status: the one the request's page gives and one
/// in each email about it. Only hashes are stored (`Secret`), so each link is drawn when it is
/// handed out, and every one drawn keeps working.
struct StatusLinks {
    let database: Database

    /// Inside the transaction that hands it out: a new link to membership `id`.
    func issue(membership id: Int) throws -> String {
        let token = Secret.generate()
        try database.run("INSERT INTO status_links (token_hash, membership_id) VALUES (\(p: 1), \(p: 2))", [.text(Secret.hash(token)), .init(id)])
        return token
    }

    /// SQL true for the membership `m` (an alias) that the link whose hash is parameter `parameter` leads to.
    static func leadsTo(_ m: String, parameter: SQLFragment) -> SQLFragment {
        "\(raw: m).id = (SELECT l.membership_id FROM status_links l WHERE l.token_hash = \(parameter))"
    }
}
