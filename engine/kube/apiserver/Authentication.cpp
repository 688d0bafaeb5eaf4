#include "engine/kube/apiserver/Authentication.h"

#include <algorithm>
#include <fstream>
#include <sstream>

namespace flowlab::kube {

namespace {

// One CSV record; a field in double quotes may hold commas ("system:masters,admins").
std::vector<std::string> splitCsv(const std::string &line)
{
    std::vector<std::string> fields;
    std::string field;
    bool quoted = false;
    for (char c : line) {
        if (c == '"') {
            quoted = !quoted;
        } else if (c == ',' && !quoted) {
            fields.push_back(field);
            field.clear();
        } else {
            field += c;
        }
    }
    fields.push_back(field);
    return fields;
}

std::string trim(const std::string &text)
{
    const auto first = text.find_first_not_of(" \t\r");
    if (first == std::string::npos)
        return {};
    const auto last = text.find_last_not_of(" \t\r");
    return text.substr(first, last - first + 1);
}

// Compares without an early exit, so that the time taken does not tell how much of a guessed
// token was right.
bool constantTimeEquals(const std::string &a, const std::string &b)
{
    if (a.size() != b.size())
        return false;
    unsigned char diff = 0;
    for (std::size_t i = 0; i < a.size(); ++i)
        diff |= static_cast<unsigned char>(a[i] ^ b[i]);
    return diff == 0;
}

} // namespace

bool UserInfo::inGroup(const std::string &group) const
{
    return std::find(groups.begin(), groups.end(), group) != groups.end();
}

Result<TokenAuthenticator> TokenAuthenticator::fromFile(const std::string &path)
{
    std::ifstream in(path);
    if (!in)
        return Error::fromErrno("reading token file " + path);
    std::stringstream text;
    text << in.rdbuf();
    return fromText(text.str(), path);
}

Result<TokenAuthenticator> TokenAuthenticator::fromText(const std::string &text,
                                                        const std::string &origin)
{
    TokenAuthenticator authenticator;
    std::istringstream lines(text);
    std::string line;
    int number = 0;
    while (std::getline(lines, line)) {
        ++number;
        line = trim(line);
        if (line.empty() || line[0] == '#')
            continue;
        const auto fields = splitCsv(line);
        const std::string where = origin + ":" + std::to_string(number);
        if (fields.size() < 3)
            return Error(where + ": expected token,user,uid[,\"groups\"]");
        UserInfo user;
        const std::string token = trim(fields[0]);
        user.name = trim(fields[1]);
        user.uid = trim(fields[2]);
        if (token.empty() || user.name.empty())
            return Error(where + ": the token and the user name must not be empty");
        if (fields.size() >= 4) {
            std::istringstream groups(fields[3]);
            std::string group;
            while (std::getline(groups, group, ','))
                if (!trim(group).empty())
                    user.groups.push_back(trim(group));
        }
        user.groups.push_back("system:authenticated");
        if (authenticator.m_users.contains(token))
            return Error(where + ": the token of " + user.name + " is already used");
        authenticator.m_users.emplace(token, std::move(user));
    }
    return authenticator;
}

TokenAuthenticator::Outcome TokenAuthenticator::authenticate(const std::string &authorization) const
{
    Outcome outcome;
    constexpr std::string_view kBearer = "Bearer ";
    if (authorization.size() <= kBearer.size() ||
        !std::equal(kBearer.begin(), kBearer.end(), authorization.begin(),
                    [](char a, char b) { return std::tolower(a) == std::tolower(b); })) {
        outcome.reason = authorization.empty() ? "no bearer token" : "not a bearer token";
        return outcome;
    }
    const std::string token = trim(authorization.substr(kBearer.size()));
    for (const auto &[known, user] : m_users) {
        if (constantTimeEquals(known, token)) {
            outcome.authenticated = true;
            outcome.user = user;
        }
    }
    if (!outcome.authenticated)
        outcome.reason = "invalid bearer token";
    return outcome;
}

} // namespace flowlab::kube
