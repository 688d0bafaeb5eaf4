// validateBpfFilter: lesson filters are checked with libpcap's own compiler on a dead handle,
// which needs no root.

#include "tracer/capture/BpfFilter.h"

#include <QtTest>

using namespace flowlab;

Q_DECLARE_METATYPE(flowlab::LinkType)

class TestBpfFilter : public QObject
{
    Q_OBJECT

private slots:
    void valid_data();
    void valid();
    void invalid_data();
    void invalid();
    void linkTypeMatters();
};

void TestBpfFilter::valid_data()
{
    QTest::addColumn<QString>("filter");
    QTest::newRow("empty") << "";
    QTest::newRow("port") << "tcp port 8080";
    QTest::newRow("host and port") << "host 192.168.56.10 and tcp port 8080";
    QTest::newRow("dns") << "udp port 53 or tcp port 53";
    QTest::newRow("syn only") << "tcp[tcpflags] & tcp-syn != 0";
    QTest::newRow("net") << "net 10.42.0.0/16 and not arp";
    QTest::newRow("icmp or ipv6") << "icmp or icmp6 or ip6";
    QTest::newRow("vlan") << "vlan and ip";
}

void TestBpfFilter::valid()
{
    QFETCH(QString, filter);
    const Status status = validateBpfFilter(filter.toStdString());
    QVERIFY2(status.ok(), status.ok() ? "" : status.error().message().c_str());
}

void TestBpfFilter::invalid_data()
{
    QTest::addColumn<QString>("filter");
    QTest::addColumn<QString>("message"); // what the error must say after the quoted filter
    QTest::newRow("typo") << "tcp prot 80"
                          << "syntax error";
    QTest::newRow("port out of range") << "tcp port 70000"
                                       << "illegal port number 70000 > 65535";
    // No host-name rows: compiling one would ask the resolver, and traffic stays home.
    QTest::newRow("bad net") << "net 10.42.0.0/33"
                             << "mask length must be <= 32";
    QTest::newRow("dangling and") << "tcp and"
                                  << "syntax error";
}

void TestBpfFilter::invalid()
{
    QFETCH(QString, filter);
    QFETCH(QString, message);
    const Status status = validateBpfFilter(filter.toStdString());
    QVERIFY(!status.ok());
    const QString text = QString::fromStdString(status.error().message());
    QVERIFY2(text.startsWith("capture filter \"" + filter + "\": "), qPrintable(text));
    QVERIFY2(text.contains(message), qPrintable(text));
}

// A filter is compiled for a link type: Ethernet addresses mean nothing on raw IP.
void TestBpfFilter::linkTypeMatters()
{
    QVERIFY(validateBpfFilter("ether host 02:42:ac:11:00:02", LinkType::Ethernet).ok());
    QVERIFY(!validateBpfFilter("ether host 02:42:ac:11:00:02", LinkType::Raw).ok());
    QVERIFY(validateBpfFilter("tcp port 80", LinkType::LinuxSll2).ok());
}

QTEST_APPLESS_MAIN(TestBpfFilter)
#include "tst_bpf_filter.moc"
