import Domain
import FastCGI

/// GET /api/v1/overview: the figures of /overview (`org`: one organization, or all the caller's), as JSON.
struct APIOverview {
    let call: APICall

    func read() throws -> Response {
        APICall.json(OverviewAnswer.encode(try OverviewPage.read(call.request, access: call.access, database: call.database).overview))
    }
}
