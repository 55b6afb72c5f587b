// Waiting for LXD operations (GET /1.0/operations/<id>[/wait]).
#pragma once

#include <functional>
#include <nlohmann/json.hpp>
#include <string>
#include <string_view>

#include "base/result.h"
#include "client/connection.h"

namespace nest::client {

// "abc", "/1.0/operations/abc" or an Operation object → "abc".
std::string OperationId(const nlohmann::json& id_url_or_operation);

// True once an Operation has ended (status_code >= 200: Success, Failure,
// Cancelled); anything that is not an Operation counts as ended.
bool OperationFinished(const nlohmann::json& operation);

// Blocks until the operation ends (GET …/wait?timeout=<timeout_s>, -1 = forever)
// and returns the final Operation whatever its status (Success, Failure,
// Cancelled). Errors: those of Connection (e.g. kNotFound for an unknown id).
base::Result<nlohmann::json> WaitOperationFinal(Connection& conn, std::string_view id_or_url,
                                                int timeout_s = -1);

// Turns a finished Operation into an error when it did not succeed: its `err`
// text (or its status) as kInternal. Success → Ok().
base::Status OperationOutcome(const nlohmann::json& operation);

// As WaitOperationFinal, but an operation that did not succeed becomes an error
// carrying the server's `err`. Use WaitOperationFinal when the metadata of a
// failed operation matters (exec's `return`).
base::Result<nlohmann::json> WaitOperation(Connection& conn, std::string_view id_or_url,
                                           int timeout_s = -1);

// Polls GET /1.0/operations/<id> every `interval_ms`, calling `on_update` with
// each snapshot, until the operation ends; returns the final Operation (any status).
base::Result<nlohmann::json> PollOperation(
    Connection& conn, std::string_view id_or_url, int interval_ms,
    const std::function<void(const nlohmann::json&)>& on_update);

}  // namespace nest::client
