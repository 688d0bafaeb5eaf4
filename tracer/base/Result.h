#pragma once

// Result<T>: the value of an operation, or an Error that says which call failed and why.
// The engine and tracer return these across module boundaries instead of throwing.

#include <cerrno>
#include <cstring>
#include <optional>
#include <string>
#include <utility>
#include <variant>

namespace flowlab {

// An error reads like crun's: "creating netns flowlab-client: ip netns add: File exists".
// `context` grows as the error travels up; `call` and `errnum` record the failing operation.
class Error
{
public:
    Error() = default;
    explicit Error(std::string message)
        : m_message(std::move(message))
    {}
    Error(std::string call, int errnum)
        : m_call(std::move(call))
        , m_errnum(errnum)
    {
        m_message = m_call + ": " + std::strerror(errnum);
    }

    // An error from the last failing libc call, e.g. Error::fromErrno("mkdir /run/flowlab").
    static Error fromErrno(std::string call) { return Error(std::move(call), errno); }

    // Prefixes context: err.context("creating netns flowlab-client").
    Error &context(const std::string &what)
    {
        m_message = what + ": " + m_message;
        return *this;
    }
    Error withContext(const std::string &what) const
    {
        Error copy = *this;
        copy.context(what);
        return copy;
    }

    const std::string &message() const { return m_message; }
    const std::string &call() const { return m_call; }
    int errnum() const { return m_errnum; }

private:
    std::string m_message;
    std::string m_call;
    int m_errnum = 0;
};

template <typename T> class [[nodiscard]] Result
{
public:
    Result(T value)
        : m_data(std::move(value))
    {}
    Result(Error error)
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
    const T &operator*() const & { return value(); }

    const Error &error() const { return std::get<Error>(m_data); }

    // Adds context to a failure and leaves a success alone.
    Result &&context(const std::string &what) &&
    {
        if (!ok())
            std::get<Error>(m_data).context(what);
        return std::move(*this);
    }

private:
    std::variant<T, Error> m_data;
};

// Result<void>: success, or an Error.
template <> class [[nodiscard]] Result<void>
{
public:
    Result() = default;
    Result(Error error)
        : m_error(std::move(error))
    {}

    bool ok() const { return !m_error.has_value(); }
    explicit operator bool() const { return ok(); }
    const Error &error() const { return *m_error; }

    Result &&context(const std::string &what) &&
    {
        if (m_error)
            m_error->context(what);
        return std::move(*this);
    }

private:
    std::optional<Error> m_error;
};

using Status = Result<void>;

inline Status success()
{
    return {};
}

} // namespace flowlab
