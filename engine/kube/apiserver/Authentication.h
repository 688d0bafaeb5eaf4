#pragma once

// Who is asking: bearer tokens from a static token file, the format of the real apiserver's
// --token-auth-file (one user per line: token,user,uid,"group1,group2"). Flowlab writes it at
// `lab up --kube`, with a token for the learner's kubeconfig (group system:masters), one per
// control-plane component, and a restricted "learner" for the RBAC lessons. Requests without
// a valid token are refused (401): there is no anonymous access.

#include "tracer/base/Result.h"

#include <map>
#include <string>
#include <vector>

namespace flowlab::kube {

struct UserInfo
{
    std::string name; // "flowlab-admin", "system:kube-scheduler"
    std::string uid;
    std::vector<std::string> groups; // always ends with "system:authenticated"

    bool inGroup(const std::string &group) const;
};

class TokenAuthenticator
{
public:
    // Reads a token file; errors name the file and the line.
    static Result<TokenAuthenticator> fromFile(const std::string &path);
    static Result<TokenAuthenticator> fromText(const std::string &text, const std::string &origin);

    struct Outcome
    {
        bool authenticated = false;
        UserInfo user;
        std::string reason; // why not: "no bearer token", "invalid bearer token"
    };
    // `authorization` is the Authorization header's value, "" when absent.
    Outcome authenticate(const std::string &authorization) const;
    std::size_t userCount() const { return m_users.size(); }

private:
    std::map<std::string, UserInfo> m_users; // by token
};

} // namespace flowlab::kube
