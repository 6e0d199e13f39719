///usr/bin/env jbang "$0" "$@" ; exit $?
//DESCRIPTION The jars of a Spark distribution (core and SQL, Scala 2.13) for the local stack's
//DESCRIPTION standalone master and workers. The stack resolves them in their own terms, apart
//DESCRIPTION from its own classpath (Spark's Netty and Jackson differ from Kafka's and
//DESCRIPTION mongo-java-server's), with 'jbang info classpath' (see below).
//JAVA 17+
//DEPS org.apache.spark:spark-core_2.13:${spark.version:4.2.0}
//DEPS org.apache.spark:spark-sql_2.13:${spark.version:4.2.0}

/**
 * Holds the dependencies only; run, it prints which Spark it was resolved with. The stack asks
 * for the jars of one version with
 * <pre>
 *   ./jbang info classpath --deps-only -Dspark.version=4.2.0 \
 *       local-stack/spark/SparkDistribution.java
 * </pre>
 */
public class SparkDistribution {
    public static void main(String[] args) {
        System.out.println("Spark " + org.apache.spark.SparkContext.class.getPackage()
                .getImplementationVersion());
    }
}
