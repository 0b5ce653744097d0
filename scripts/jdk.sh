# Sourced by the scripts: exports JAVA_HOME pointing at a JDK 25 or newer, or fails saying one is needed.
for c in "${JAVA_HOME:-}" /usr/lib/jvm/temurin-25-jdk-amd64 /usr/lib/jvm/java-25-openjdk-amd64 /usr/lib/jvm/jdk-25* /usr/lib/jvm/*25*; do
  [ -n "$c" ] && [ -x "$c/bin/javac" ] || continue
  v=$("$c/bin/java" -XshowSettings:properties -version 2>&1 | sed -n 's/^ *java.specification.version = \([0-9]*\).*/\1/p')
  if [ -n "$v" ] && [ "$v" -ge 25 ]; then export JAVA_HOME="$c"; break; fi
done
if [ -z "${JAVA_HOME:-}" ] || [ ! -x "$JAVA_HOME/bin/javac" ]; then echo "jemu: a JDK 25 or newer is needed (set JAVA_HOME)" >&2; exit 127; fi
export PATH="$JAVA_HOME/bin:$PATH"
