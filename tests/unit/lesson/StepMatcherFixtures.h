#pragma once

// A small lesson for the step matcher tests.
inline const char *kLesson = R"JSON({
  "flowlab_lesson": 1, "id": "t", "title": "T", "summary": "s", "level": "beginner", "lab": "docker",
  "components": [{"id": "cli"}, {"id": "dockerd"}, {"id": "runc"}],
  "actions": [{"id": "run", "do": "docker", "args": ["run", "nginx"]},
              {"id": "request", "do": "http", "url": "http://192.168.56.10:8080/"}],
  "steps": [
    {"id": "create", "title": "create", "component": "dockerd", "explanation": "x",
     "match": [{"kind": "api", "attrs": {"endpoint": "/containers/create", "body.Image": "nginx",
                "body.HostConfig.PortBindings.80/tcp.0.HostPort": "8080"}, "during": "run"}]},
    {"id": "ns", "title": "namespaces", "component": "runc", "explanation": "x",
     "match": [{"kind": "syscall", "component": "runc", "summary": {"contains": "CLONE_NEWPID"}},
               {"kind": "syscall", "attrs": {"syscall": "pivot_root"}}]},
    {"id": "dnat", "title": "dnat", "component": "dockerd", "explanation": "x",
     "match": [{"kind": "packet", "attrs": {"dport": 8080}, "during": "request", "role": "before"}]}
  ]
})JSON";
