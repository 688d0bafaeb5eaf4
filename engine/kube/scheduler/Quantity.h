#pragma once

// Kubernetes resource quantities ("100m", "1", "128Mi", "1G", "1e3"), as
// k8s.io/apimachinery/pkg/api/resource.Quantity reads them. A quantity is kept exact (its
// digits and its powers of ten and of two) until the scheduler asks for a whole number:
// millicores for cpu, bytes or counts for the rest, rounded up as Value() and MilliValue()
// round, so that "0.1m" of cpu still counts as one millicore.

#include "tracer/base/Result.h"

#include <cstdint>
#include <string_view>

namespace flowlab::kube::scheduling {

class Quantity
{
public:
    // Errors read as the apiserver's:
    //   quantities must match the regular expression '^([+-]?[0-9.]+)([eEinumkKMGTP]*[-+]?[0-9]*)$'
    //   unable to parse quantity's suffix
    static Result<Quantity> parse(std::string_view text);

    // The quantity in units, rounded up (away from zero): "1500m" is 2, "1Ki" is 1024.
    // Saturates at the int64 range, as a quantity that large means "more than anything".
    std::int64_t value() const { return scaled(0); }
    // In thousandths of a unit, rounded up: "100m" is 100, "1" is 1000, "0.5" is 500.
    std::int64_t milliValue() const { return scaled(3); }

private:
    std::int64_t scaled(int extraPowerOfTen) const;

    // value = ±m_digits × 10^m_exponent10 × 2^m_exponent2, exactly.
    bool m_negative = false;
    unsigned __int128 m_digits = 0;
    int m_exponent10 = 0;
    int m_exponent2 = 0;
};

// How the scheduler counts a resource: cpu in millicores, everything else (memory and
// ephemeral-storage in bytes, pods and extended resources in units) as whole values.
std::int64_t schedulingAmount(std::string_view resourceName, const Quantity &quantity);

} // namespace flowlab::kube::scheduling
