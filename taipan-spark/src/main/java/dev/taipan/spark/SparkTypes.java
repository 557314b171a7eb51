package dev.taipan.spark;

import org.apache.spark.sql.Row;
import org.apache.spark.sql.types.ArrayType;
import org.apache.spark.sql.types.BinaryType;
import org.apache.spark.sql.types.BooleanType;
import org.apache.spark.sql.types.ByteType;
import org.apache.spark.sql.types.DataType;
import org.apache.spark.sql.types.DataTypes;
import org.apache.spark.sql.types.DecimalType;
import org.apache.spark.sql.types.DoubleType;
import org.apache.spark.sql.types.FloatType;
import org.apache.spark.sql.types.IntegerType;
import org.apache.spark.sql.types.LongType;
import org.apache.spark.sql.types.MapType;
import org.apache.spark.sql.types.ShortType;
import org.apache.spark.sql.types.StringType;
import org.apache.spark.sql.types.StructField;
import org.apache.spark.sql.types.StructType;
import scala.jdk.javaapi.CollectionConverters;

import java.math.BigDecimal;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

/**
 * Between Spark's values and Taipan's: the column type of a DSPy field type, a row's cell as a
 * value a Python call takes, and a Python result as the cell of a typed column. Spark's
 * external row types are Scala's ({@code Seq}, {@code Map}); Taipan's are Java's.
 */
final class SparkTypes {
    private SparkTypes() {
    }

    /**
     * The column type of a DSPy type expression ({@code FieldType.toString()}): str and
     * Literal[...] are strings, int long, float double, bool boolean, list[T] an array,
     * dict[str, T] a map, Optional[T] T (columns are nullable anyway).
     *
     * @throws IllegalArgumentException for the untyped {@code dict}, which has no column type
     */
    static DataType columnType(String field, String type) {
        String t = type.strip();
        if (t.equals("str") || t.startsWith("Literal[")) {
            return DataTypes.StringType;
        }
        switch (t) {
            case "int":
                return DataTypes.LongType;
            case "float":
                return DataTypes.DoubleType;
            case "bool":
                return DataTypes.BooleanType;
            default:
                break;
        }
        if (t.startsWith("Optional[") && t.endsWith("]")) {
            return columnType(field, t.substring("Optional[".length(), t.length() - 1));
        }
        if (t.startsWith("list[") && t.endsWith("]")) {
            return DataTypes.createArrayType(columnType(field, t.substring("list[".length(), t.length() - 1)), true);
        }
        if (t.startsWith("dict[str,") && t.endsWith("]")) {
            return DataTypes.createMapType(DataTypes.StringType,
                    columnType(field, t.substring("dict[str,".length(), t.length() - 1)), true);
        }
        throw new IllegalArgumentException("output field '" + field + "' of type " + type
                + " has no Spark column type; give it a typed one (dict[str, T], list[T], str, int, float, bool)");
    }

    /** A row's cell as a Python call's argument: Scala collections and nested rows become Java's. */
    static Object fromSpark(Object v) {
        if (v == null || v instanceof String || v instanceof Boolean || v instanceof Long || v instanceof Double
                || v instanceof byte[]) {
            return v;
        }
        if (v instanceof Integer || v instanceof Short || v instanceof Byte) {
            return ((Number) v).longValue();
        }
        if (v instanceof Float) {
            return ((Float) v).doubleValue();
        }
        if (v instanceof BigDecimal) {
            return ((BigDecimal) v).doubleValue();
        }
        if (v instanceof scala.collection.Seq) {
            List<Object> out = new ArrayList<>();
            for (Object e : CollectionConverters.asJava((scala.collection.Seq<?>) v)) {
                out.add(fromSpark(e));
            }
            return out;
        }
        if (v instanceof scala.collection.Map) {
            Map<Object, Object> out = new LinkedHashMap<>();
            CollectionConverters.asJava((scala.collection.Map<?, ?>) v).forEach((k, e) -> out.put(fromSpark(k), fromSpark(e)));
            return out;
        }
        if (v instanceof Row) {
            Row r = (Row) v;
            Map<String, Object> out = new LinkedHashMap<>();
            StructType schema = r.schema();
            for (int i = 0; i < r.size(); i++) {
                out.put(schema == null ? "_" + i : schema.fields()[i].name(), fromSpark(r.get(i)));
            }
            return out;
        }
        // Dates, timestamps and the like: their text.
        return v.toString();
    }

    /**
     * A result's value as the cell of a column of {@code type}: numbers widened or narrowed to
     * the column's, lists and maps to Scala's.
     *
     * @throws IllegalArgumentException naming the column if the value does not fit
     */
    static Object toSpark(String column, Object v, DataType type) {
        if (v == null) {
            return null;
        }
        if (type instanceof StringType) {
            if (v instanceof String) {
                return v;
            }
            if (v instanceof Number || v instanceof Boolean) {
                return v.toString();
            }
        } else if (type instanceof LongType && isWhole(v)) {
            return ((Number) v).longValue();
        } else if (type instanceof IntegerType && isWhole(v)) {
            return Math.toIntExact(((Number) v).longValue());
        } else if (type instanceof ShortType && isWhole(v)) {
            return (short) Math.toIntExact(((Number) v).longValue());
        } else if (type instanceof ByteType && isWhole(v)) {
            return (byte) Math.toIntExact(((Number) v).longValue());
        } else if (type instanceof DoubleType && v instanceof Number) {
            return ((Number) v).doubleValue();
        } else if (type instanceof FloatType && v instanceof Number) {
            return ((Number) v).floatValue();
        } else if (type instanceof DecimalType && v instanceof Number) {
            return new BigDecimal(v.toString());
        } else if (type instanceof BooleanType && v instanceof Boolean) {
            return v;
        } else if (type instanceof BinaryType && v instanceof byte[]) {
            return v;
        } else if (type instanceof ArrayType && v instanceof List) {
            DataType element = ((ArrayType) type).elementType();
            List<Object> out = new ArrayList<>();
            for (Object e : (List<?>) v) {
                out.add(toSpark(column, e, element));
            }
            return CollectionConverters.asScala(out).toSeq();
        } else if (type instanceof MapType && v instanceof Map) {
            MapType m = (MapType) type;
            Map<Object, Object> out = new LinkedHashMap<>();
            ((Map<?, ?>) v).forEach((k, e) -> out.put(toSpark(column, k, m.keyType()), toSpark(column, e, m.valueType())));
            return CollectionConverters.asScala(out);
        } else if (type instanceof StructType && v instanceof Map) {
            StructField[] fields = ((StructType) type).fields();
            Object[] cells = new Object[fields.length];
            for (int i = 0; i < fields.length; i++) {
                cells[i] = toSpark(column + "." + fields[i].name(), ((Map<?, ?>) v).get(fields[i].name()),
                        fields[i].dataType());
            }
            return org.apache.spark.sql.RowFactory.create(cells);
        }
        throw new IllegalArgumentException("output column '" + column + "' is " + type.simpleString()
                + " but the result was a " + v.getClass().getSimpleName());
    }

    private static boolean isWhole(Object v) {
        return v instanceof Long || v instanceof Integer || v instanceof Short || v instanceof Byte;
    }
}
