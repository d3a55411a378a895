import Domain

/// The one place where an error becomes an HTTP status.
enum ErrorStatus {
    static func status(for error: UserError) -> Int {
        switch error {
        case .badRequest: return 400
        case .unauthorized: return 401
        case .forbidden: return 403
        case .notFound: return 404
        case .conflict: return 409
        case .tooManyRequests: return 429
        }
    }

    static func title(for status: Int) -> String {
        switch status {
        case 400: return "This request cannot be read"
        case 401: return "Sign in again"
        case 403: return "Not allowed"
        case 404: return "Page not found"
        case 405: return "Method not allowed"
        case 409: return "Conflict"
        case 413: return "Too large"
        case 429: return "Too many attempts"
        default: return "Something went wrong"
        }
    }
}
