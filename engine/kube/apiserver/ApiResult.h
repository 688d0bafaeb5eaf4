#pragma once

// ApiResult<T>: a value, or the ApiError the client will get (a Status with its HTTP code).

#include "engine/kube/api/ApiStatus.h"

#include <variant>

namespace flowlab::kube {

template <typename T> class [[nodiscard]] ApiResult
{
public:
    ApiResult(T value)
        : m_data(std::move(value))
    {}
    ApiResult(ApiError error)
        : m_data(std::move(error))
    {}

    bool ok() const { return std::holds_alternative<T>(m_data); }
    explicit operator bool() const { return ok(); }
    T &value() & { return std::get<T>(m_data); }
    const T &value() const & { return std::get<T>(m_data); }
    T &&value() && { return std::get<T>(std::move(m_data)); }
    T *operator->() { return &value(); }
    const T *operator->() const { return &value(); }
    T &operator*() & { return value(); }
    const ApiError &error() const { return std::get<ApiError>(m_data); }

private:
    std::variant<T, ApiError> m_data;
};

} // namespace flowlab::kube
