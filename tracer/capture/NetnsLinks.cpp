#include "tracer/capture/NetnsLinks.h"

#include "tracer/kernel/Netns.h"

#include <cerrno>
#include <cstring>
#include <linux/netlink.h>
#include <linux/rtnetlink.h>
#include <net/if.h>
#include <sys/socket.h>

namespace flowlab {

namespace {

Result<UniqueFd> routeSocket()
{
    UniqueFd fd(::socket(AF_NETLINK, SOCK_RAW | SOCK_CLOEXEC, NETLINK_ROUTE));
    if (!fd.valid())
        return Error::fromErrno("socket(AF_NETLINK)");
    return fd;
}

// A NETLINK_ROUTE socket that belongs to the namespace at `path` (empty: the caller's): a socket
// stays in the namespace it was created in.
Result<UniqueFd> routeSocketIn(const std::string &path)
{
    if (path.empty())
        return routeSocket();
    auto netns = openNetns(path);
    if (!netns)
        return netns.error();
    return runInNetns<UniqueFd>(netns->get(), path, routeSocket);
}

void parseLinkInfo(const rtattr *linkInfo, NetnsLink &link)
{
    int length = int(RTA_PAYLOAD(linkInfo));
    for (auto *attr = static_cast<const rtattr *>(RTA_DATA(linkInfo)); RTA_OK(attr, length);
         attr = RTA_NEXT(attr, length)) {
        if (attr->rta_type == IFLA_INFO_KIND)
            link.kind =
                std::string(static_cast<const char *>(RTA_DATA(attr)),
                            strnlen(static_cast<const char *>(RTA_DATA(attr)), RTA_PAYLOAD(attr)));
    }
}

NetnsLink parseLink(const nlmsghdr *message)
{
    const auto *info = static_cast<const ifinfomsg *>(NLMSG_DATA(message));
    NetnsLink link;
    link.index = info->ifi_index;
    link.up = info->ifi_flags & IFF_UP;
    link.loopback = info->ifi_flags & IFF_LOOPBACK;
    int length = int(IFLA_PAYLOAD(message));
    for (const rtattr *attr = IFLA_RTA(info); RTA_OK(attr, length); attr = RTA_NEXT(attr, length)) {
        const void *data = RTA_DATA(attr);
        if (attr->rta_type == IFLA_IFNAME)
            link.name = std::string(static_cast<const char *>(data),
                                    strnlen(static_cast<const char *>(data), RTA_PAYLOAD(attr)));
        else if (attr->rta_type == IFLA_MASTER && RTA_PAYLOAD(attr) >= sizeof(int))
            link.masterIndex = *static_cast<const int *>(data);
        else if (attr->rta_type == IFLA_LINKINFO)
            parseLinkInfo(attr, link);
    }
    return link;
}

} // namespace

Result<std::vector<NetnsLink>> listLinks(const std::string &path)
{
    const std::string where = "listing links in " + (path.empty() ? "this netns" : path);
    Result<UniqueFd> socket = routeSocketIn(path);
    if (!socket)
        return socket.error().withContext(where);
    const UniqueFd &fd = *socket;

    struct
    {
        nlmsghdr header;
        ifinfomsg info;
    } request{};
    request.header.nlmsg_len = sizeof request;
    request.header.nlmsg_type = RTM_GETLINK;
    request.header.nlmsg_flags = NLM_F_REQUEST | NLM_F_DUMP;
    request.header.nlmsg_seq = 1;
    request.info.ifi_family = AF_UNSPEC;
    if (::send(fd.get(), &request, sizeof request, 0) < 0)
        return Error::fromErrno("send RTM_GETLINK").withContext(where);

    std::vector<NetnsLink> links;
    std::vector<char> buffer(64 * 1024); // operator new aligns it for nlmsghdr
    while (true) {
        const ssize_t received = ::recv(fd.get(), buffer.data(), buffer.size(), 0);
        if (received < 0) {
            if (errno == EINTR)
                continue;
            return Error::fromErrno("recv RTM_NEWLINK").withContext(where);
        }
        // Walked by hand rather than with NLMSG_OK, whose int/u32 comparison -Wsign-compare flags.
        const auto size = std::size_t(received);
        for (std::size_t offset = 0; offset + sizeof(nlmsghdr) <= size;) {
            const auto *message = reinterpret_cast<const nlmsghdr *>(buffer.data() + offset);
            if (message->nlmsg_len < sizeof(nlmsghdr) || message->nlmsg_len > size - offset)
                return Error("RTM_GETLINK: a message of length " +
                             std::to_string(message->nlmsg_len) + " in " + std::to_string(size) +
                             " bytes")
                    .withContext(where);
            if (message->nlmsg_type == NLMSG_DONE)
                return links;
            if (message->nlmsg_type == NLMSG_ERROR) {
                const auto *error = static_cast<const nlmsgerr *>(NLMSG_DATA(message));
                return Error("RTM_GETLINK", -error->error).withContext(where);
            }
            if (message->nlmsg_type == RTM_NEWLINK)
                links.push_back(parseLink(message));
            offset += NLMSG_ALIGN(message->nlmsg_len);
        }
        if (received == 0)
            return Error("RTM_GETLINK: the dump ended without NLMSG_DONE").withContext(where);
    }
}

} // namespace flowlab
