// Result<T>: a value or an Error. Fallible functions return it; TRY propagates.
#pragma once

#include <optional>
#include <type_traits>
#include <utility>
#include <variant>

#include "base/error.h"

namespace nest::base {

template <typename T>
class [[nodiscard]] Result {
 public:
  Result(T value) : v_(std::move(value)) {}
  Result(Error error) : v_(std::move(error)) {}
  template <typename U>
  requires(std::is_constructible_v<T, U&&> && !std::is_same_v<std::decay_t<U>, Error> &&
           !std::is_same_v<std::decay_t<U>, T>) Result(U&& value)
      : v_(T(std::forward<U>(value))) {}

  bool ok() const { return v_.index() == 0; }
  explicit operator bool() const { return ok(); }

  T& value() & { return std::get<0>(v_); }
  const T& value() const& { return std::get<0>(v_); }
  T&& value() && { return std::get<0>(std::move(v_)); }
  T* operator->() { return &value(); }
  const T* operator->() const { return &value(); }
  T& operator*() & { return value(); }

  const Error& error() const& { return std::get<1>(v_); }
  Error&& error() && { return std::get<1>(std::move(v_)); }

  T value_or(T fallback) const& { return ok() ? value() : std::move(fallback); }
  T value_or(T fallback) && { return ok() ? std::get<0>(std::move(v_)) : std::move(fallback); }

 private:
  std::variant<T, Error> v_;
};

template <>
class [[nodiscard]] Result<void> {
 public:
  Result() = default;
  Result(Error error) : e_(std::move(error)) {}

  bool ok() const { return !e_.has_value(); }
  explicit operator bool() const { return ok(); }
  void value() const {}
  const Error& error() const& { return *e_; }
  Error&& error() && { return std::move(*e_); }

 private:
  std::optional<Error> e_;
};

using Status = Result<void>;

inline Status Ok() { return {}; }

}  // namespace nest::base

// TRY(expr): evaluates a Result; on error returns it from the enclosing function,
// otherwise yields the value. (A GNU statement expression, as in SerenityOS.)
#define TRY(expr)                                                           \
  ({                                                                        \
    auto _nest_try_result = (expr);                                         \
    if (!_nest_try_result.ok()) return std::move(_nest_try_result).error(); \
    std::move(_nest_try_result).value();                                    \
  })

// TRY_CTX(expr, context): as TRY, adding context to the error on the way out.
#define TRY_CTX(expr, context)                                    \
  ({                                                              \
    auto _nest_try_result = (expr);                               \
    if (!_nest_try_result.ok()) {                                 \
      auto _nest_try_error = std::move(_nest_try_result).error(); \
      _nest_try_error.Context(context);                           \
      return _nest_try_error;                                     \
    }                                                             \
    std::move(_nest_try_result).value();                          \
  })
