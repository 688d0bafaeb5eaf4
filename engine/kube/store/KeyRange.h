#pragma once

// Key ranges as etcd defines them, shared by both stores: a prefix is the half-open range
// [prefix, prefixEnd(prefix)), so that "/registry/pods/" never matches "/registry/podsx/".

#include <cstdint>
#include <string>
#include <string_view>

namespace flowlab::kube {

// The first key after every key that starts with `prefix`: its last byte incremented, with
// trailing 0xff bytes dropped first ("/a/" -> "/a0", "a\xff" -> "b"). Empty when no such key
// exists (an empty prefix, or one of 0xff bytes only): the range then has no upper bound.
inline std::string prefixEnd(std::string_view prefix)
{
    std::string end(prefix);
    while (!end.empty()) {
        auto &last = reinterpret_cast<unsigned char &>(end.back());
        if (last != 0xff) {
            ++last;
            return end;
        }
        end.pop_back();
    }
    return end;
}

inline bool hasPrefix(std::string_view key, std::string_view prefix)
{
    return key.substr(0, prefix.size()) == prefix;
}

// Where a range that lists `prefix` after `startAfter` begins: at the prefix itself
// (inclusive), or just after `startAfter` when that lies inside or beyond the prefix.
struct RangeStart
{
    std::string_view key;
    bool inclusive = true;
};

inline RangeStart rangeStart(std::string_view prefix, std::string_view startAfter)
{
    if (startAfter.empty() || startAfter < prefix)
        return {prefix, true};
    return {startAfter, false};
}

// The message a watch from a forgotten revision fails with. It reads as kube-apiserver's own
// 410 Gone ("too old resource version: 12 (345)") so that the apiserver can pass it on and
// clients relist, as they do against any cluster.
inline std::string tooOldRevisionMessage(std::int64_t requested, std::int64_t oldest)
{
    return "too old resource version: " + std::to_string(requested) + " (" +
           std::to_string(oldest) + ")";
}

} // namespace flowlab::kube
