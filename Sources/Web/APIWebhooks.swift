import Domain
import FastCGI
import Storage

/// /api/v1/webhooks: an Admin's webhook subscriptions, their delivery logs, tests, resends and
/// secret rotations, through the same commands as the Webhooks page.
struct APIWebhooks {
    let call: APICall
    var access: Access { call.access }
    var database: Database { call.database }
    var subscriptions: WebhookSubscriptions { WebhookSubscriptions(database: database) }

    func key() throws -> InstallationKey {
        guard let key = call.handler.configuration.installationKey else {
            throw UserError.unavailable("Webhooks need the installation key, which this server was started without.")
        }
        return key
    }

    func list() throws -> Response {
        let organizations = access.organizationIDs.filter { (try? access.require(.manageWebhooks, in: $0)) != nil }
        return APICall.json(WebhookListAnswer.encode(try subscriptions.list(organizations: organizations)))
    }

    func create() throws -> Response {
        let body = try call.body(WebhookInput.self)
        let command = CreateWebhook(organizationID: body.organizationID, url: body.url, events: body.events, description: body.description,
                                    key: try key(), allowPrivate: call.handler.configuration.webhooksAllowPrivate)
        do {
            let made = try command.run(by: access, in: database)
            return APICall.json(WebhookSecretAnswer.encode((try subscriptions.find(made.id, by: access), made.secret)), status: 201,
                                headers: [("Location", "/api/v1/webhooks/\(made.id)")])
        } catch let problems as FieldProblems {
            throw APIProblem(error: .badRequest(problems.byField.sorted { $0.key < $1.key }.map(\.value).joined(separator: " ")),
                             extensions: [("errors", .object(problems.byField.sorted { $0.key < $1.key }.map { ($0.key, .string($0.value)) }))])
        }
    }

    func show() throws -> Response {
        APICall.json(WebhookAnswer.encode(try subscriptions.find(call.parameters.id, by: access)))
    }

    func deliveries() throws -> Response {
        let id = try subscriptions.find(call.parameters.id, by: access).id
        return APICall.json(WebhookDeliveriesAnswer.encode(try subscriptions.deliveries(of: id, limit: 100)))
    }

    func change(_ change: ChangeWebhook.Change) throws -> Response {
        let id = call.parameters.id
        switch try ChangeWebhook(id, change).run(by: access, in: database) {
        case .done:
            if case .delete = change { return Response(status: 204) }
            return APICall.json(WebhookAnswer.encode(try subscriptions.find(id, by: access)))
        case .secret(let secret): return APICall.json(WebhookSecretAnswer.encode((try subscriptions.find(id, by: access), secret)))
        case .queued(let count): return APICall.json(WebhookQueuedAnswer.encode(count), status: 202)
        }
    }

    func rotate() throws -> Response {
        _ = try subscriptions.find(call.parameters.id, by: access)
        return try change(.rotateSecret(try key()))
    }

    func resend() throws -> Response {
        let body = try call.body(WebhookResendBody.self)
        if let delivery = body.deliveryID { return try change(.resend(delivery: delivery)) }
        return try change(.resendFailed(since: body.failedSince ?? ""))
    }
}
