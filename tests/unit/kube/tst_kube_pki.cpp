// The lab cluster's certificates: made once, verifiable with openssl, kept on a second run,
// and made again when the names they must carry change.

#include "engine/kube/pki/ClusterPki.h"

#include <QFileInfo>
#include <QProcess>
#include <QTemporaryDir>
#include <QTest>

using namespace flowlab::kube;

namespace {

QString openssl(const QStringList &args)
{
    QProcess process;
    process.setProcessChannelMode(QProcess::MergedChannels);
    process.start("openssl", args);
    process.waitForFinished(20000);
    return QString::fromUtf8(process.readAll());
}

QByteArray contents(const std::string &path)
{
    QFile file(QString::fromStdString(path));
    file.open(QIODevice::ReadOnly);
    return file.readAll();
}

} // namespace

class TestKubePki : public QObject
{
    Q_OBJECT

private slots:
    void makesAVerifiableServerCertificate()
    {
        QTemporaryDir dir;
        auto pki = ensureClusterPki(dir.filePath("pki").toStdString());
        QVERIFY2(pki, pki ? "" : pki.error().message().c_str());
        const QString verified =
            openssl({"verify", "-CAfile", QString::fromStdString(pki->caCertPath),
                     QString::fromStdString(pki->serverCertPath)});
        QVERIFY2(verified.contains(": OK"), qPrintable(verified));
        const QString text = openssl(
            {"x509", "-in", QString::fromStdString(pki->serverCertPath), "-noout", "-text"});
        for (const char *name :
             {"DNS:localhost", "DNS:kubernetes.default.svc.cluster.local", "IP Address:127.0.0.1",
              "IP Address:192.168.56.100", "IP Address:10.43.0.1", "TLS Web Server Authentication"})
            QVERIFY2(text.contains(name), name);
        // Keys are for root only.
        QCOMPARE(QFileInfo(QString::fromStdString(pki->serverKeyPath)).permissions() &
                     (QFileDevice::ReadGroup | QFileDevice::ReadOther),
                 QFileDevice::Permissions());
        QVERIFY(pki->caPem() && pki->caPem()->starts_with("-----BEGIN CERTIFICATE-----"));
    }

    void keepsWhatExistsAndRemakesAServerCertWithOtherNames()
    {
        QTemporaryDir dir;
        const std::string path = dir.filePath("pki").toStdString();
        auto first = ensureClusterPki(path);
        QVERIFY(first);
        const QByteArray ca = contents(first->caCertPath);
        const QByteArray server = contents(first->serverCertPath);
        auto again = ensureClusterPki(path);
        QVERIFY(again);
        QCOMPARE(contents(again->caCertPath), ca);
        QCOMPARE(contents(again->serverCertPath), server);

        ServerIdentity other;
        other.ipAddresses.push_back("192.168.56.101");
        auto renamed = ensureClusterPki(path, other);
        QVERIFY(renamed);
        QCOMPARE(contents(renamed->caCertPath), ca); // same CA
        QVERIFY(contents(renamed->serverCertPath) != server);
        QVERIFY(openssl({"x509", "-in", QString::fromStdString(renamed->serverCertPath), "-noout",
                         "-text"})
                    .contains("IP Address:192.168.56.101"));
    }

    void reportsAnUnusableDirectory()
    {
        auto pki = ensureClusterPki("/proc/flowlab-cannot-be-here/pki");
        QVERIFY(!pki);
        QVERIFY2(pki.error().message().find("/proc/flowlab-cannot-be-here") != std::string::npos,
                 pki.error().message().c_str());
    }
};

QTEST_GUILESS_MAIN(TestKubePki)
#include "tst_kube_pki.moc"
