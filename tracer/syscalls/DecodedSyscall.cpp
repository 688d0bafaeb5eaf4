#include "tracer/syscalls/DecodedSyscall.h"

#include "tracer/syscalls/FlagTables.h"

#include <algorithm>
#include <array>
#include <cstdio>
#include <cstring>

namespace flowlab {

namespace {

// Cuts every quoted string in a rendered argument to `maxString` bytes of content. Arguments
// are rendered once, in full; only the summary is shortened.
std::string limitStrings(const std::string &rendered, std::size_t maxString)
{
    if (maxString == std::string::npos || rendered.size() <= maxString)
        return rendered;
    std::string out;
    bool inString = false;
    std::size_t kept = 0;
    bool cutting = false;
    for (std::size_t i = 0; i < rendered.size(); ++i) {
        const char c = rendered[i];
        if (!inString) {
            out += c;
            if (c == '"') {
                inString = true;
                kept = 0;
                cutting = false;
            }
            continue;
        }
        if (c == '"') {
            out += c;
            if (cutting)
                out += "...";
            inString = false;
            continue;
        }
        // An escape sequence counts as one character and is never split.
        // quoteString() writes octal escapes with exactly three digits.
        std::size_t length = 1;
        if (c == '\\' && i + 1 < rendered.size()) {
            const char next = rendered[i + 1];
            length = std::min<std::size_t>(next >= '0' && next <= '7' ? 4 : 2, rendered.size() - i);
        }
        if (kept < maxString)
            out.append(rendered, i, length);
        else
            cutting = true;
        ++kept;
        i += length - 1;
    }
    return out;
}

} // namespace

std::optional<std::string_view> restartCodeName(std::int64_t errnum)
{
    // include/linux/errno.h: never seen by programs, only by tracers.
    static constexpr std::array<std::pair<int, std::string_view>, 4> kCodes{{
        {512, "ERESTARTSYS"},
        {513, "ERESTARTNOINTR"},
        {514, "ERESTARTNOHAND"},
        {516, "ERESTART_RESTARTBLOCK"},
    }};
    for (const auto &[code, name] : kCodes)
        if (code == errnum)
            return name;
    return std::nullopt;
}

std::string quoteString(std::string_view bytes, bool truncated)
{
    std::string out = "\"";
    for (std::size_t i = 0; i < bytes.size(); ++i) {
        const unsigned char c = static_cast<unsigned char>(bytes[i]);
        switch (c) {
        case '"':
            out += "\\\"";
            break;
        case '\\':
            out += "\\\\";
            break;
        case '\n':
            out += "\\n";
            break;
        case '\t':
            out += "\\t";
            break;
        case '\r':
            out += "\\r";
            break;
        default:
            if (c >= 0x20 && c < 0x7f) {
                out += char(c);
            } else {
                // Three digits always, so a following digit cannot be read as part of it.
                char buffer[8];
                std::snprintf(buffer, sizeof buffer, "\\%03o", c);
                out += buffer;
            }
        }
    }
    out += '"';
    if (truncated)
        out += "...";
    return out;
}

std::string renderSyscallLine(const DecodedSyscall &syscall, std::size_t maxString)
{
    std::string line = syscall.name + "(";
    for (std::size_t i = 0; i < syscall.args.size(); ++i) {
        if (i > 0)
            line += ", ";
        if (syscall.namedArgs)
            line += syscall.args[i].name + "=";
        line += limitStrings(syscall.args[i].value, maxString);
    }
    line += ")";
    if (!syscall.retval) {
        line += " = ?";
    } else if (syscall.errnum != 0) {
        if (const auto restart = restartCodeName(syscall.errnum)) {
            line += " = ? " + std::string(*restart) + " (To be restarted)";
        } else {
            line +=
                " = -1 " + errnoName(syscall.errnum) + " (" + std::strerror(syscall.errnum) + ")";
        }
    } else {
        line += " = " + std::to_string(*syscall.retval);
    }
    if (!syscall.comment.empty())
        line += " " + syscall.comment;
    return line;
}

} // namespace flowlab
