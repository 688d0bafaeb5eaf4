#pragma once

// Shared by the image tests: shell tools as independent witnesses (sha256sum, gunzip, tar) and
// building the real recipes.

#include "engine/images/ImageBuilder.h"

#include <QProcess>
#include <QString>
#include <QStringList>
#include <filesystem>

namespace flowlab::test {

struct ShellResult
{
    int exitCode = -1;
    QString out;
    QString err;
};

// Runs `sh -c command` with TZ=UTC (tar listings print mtimes in local time otherwise).
inline ShellResult shell(const QString &command, int timeoutMs = 60000)
{
    QProcess process;
    QProcessEnvironment env = QProcessEnvironment::systemEnvironment();
    env.insert("TZ", "UTC");
    env.insert("LC_ALL", "C");
    process.setProcessEnvironment(env);
    process.start("/bin/sh", {"-c", command});
    if (!process.waitForFinished(timeoutMs))
        return {-1, {}, "timed out: " + command};
    return {process.exitStatus() == QProcess::NormalExit ? process.exitCode() : -1,
            QString::fromUtf8(process.readAllStandardOutput()),
            QString::fromUtf8(process.readAllStandardError())};
}

inline QString quoted(const std::filesystem::path &path)
{
    return "'" + QString::fromStdString(path.string()) + "'";
}

// "sha256:<hex>" as sha256sum computes it, or "" if it failed.
inline std::string sha256sumOf(const QString &command)
{
    const ShellResult result = shell(command + " | sha256sum");
    if (result.exitCode != 0)
        return {};
    return "sha256:" + result.out.section(' ', 0, 0).toStdString();
}

inline std::string fileDigest(const std::filesystem::path &path)
{
    return sha256sumOf("cat " + quoted(path));
}

inline std::string gunzippedDigest(const std::filesystem::path &path)
{
    return sha256sumOf("gunzip -c " + quoted(path));
}

// `tar -tvzf` lines with runs of spaces collapsed: "drwxr-xr-x 0/0 0 1970-01-01 00:00 etc/".
inline QStringList tarListing(const std::filesystem::path &blob)
{
    const ShellResult result = shell("tar -tvzf " + quoted(blob));
    QStringList lines;
    for (const QString &line : result.out.split('\n', Qt::SkipEmptyParts))
        lines << line.simplified();
    return lines;
}

inline Result<BuiltImage> buildRealRecipe(const std::string &name,
                                          const std::filesystem::path &cacheDir)
{
    auto recipe =
        loadRecipe(std::string(FLOWLAB_SOURCE_DIR) + "/resources/images/" + name + "/recipe.json");
    if (!recipe)
        return recipe.error();
    return buildImage(*recipe, {cacheDir, {{"FLOWLAB_BIN_DIR", FLOWLAB_BIN_DIR}}});
}

// Unpacks the layers bottom first, as a runtime would (our images have no whiteouts).
inline bool extractImage(const BuiltImage &image, const std::filesystem::path &rootfs)
{
    std::filesystem::create_directories(rootfs);
    for (const BuiltImageLayer &layer : image.layers) {
        if (shell("tar -xzf " + quoted(image.blobPath(layer.digest)) + " -C " + quoted(rootfs))
                .exitCode != 0)
            return false;
    }
    return true;
}

} // namespace flowlab::test
