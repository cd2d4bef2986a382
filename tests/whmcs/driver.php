<?php
/*
 * Runs one function of the proxvps WHMCS module the way WHMCS would, from php-cli, with only the WHMCS pieces
 * the module touches stubbed: logModuleCall, the usage-billing classes and Capsule's table updates.
 *
 * Reads {"module": path, "function": name, "params": {...}, "tenant": optional} as JSON on stdin; prints
 * {"result": ..., "module_log": [...], "updates": [...]} as JSON on stdout. A MetricProvider's object is
 * reported as its metrics and usage.
 */

namespace WHMCS\UsageBilling\Contracts\Metrics {
    interface MetricInterface
    {
        const TYPE_SNAPSHOT = 'snapshot';
        const TYPE_PERIOD_DAY = 'day';
        const TYPE_PERIOD_MONTH = 'month';
    }

    interface ProviderInterface
    {
        public function metrics();
        public function usage();
        public function tenantUsage($tenant);
    }
}

namespace WHMCS\UsageBilling\Metrics\Units {
    class GigaBytes
    {
    }
}

namespace WHMCS\UsageBilling\Metrics {
    class Usage
    {
        private $value;

        public function __construct($value)
        {
            $this->value = $value;
        }

        public function value()
        {
            return $this->value;
        }
    }

    class Metric implements \WHMCS\UsageBilling\Contracts\Metrics\MetricInterface
    {
        private $systemName;
        private $displayName;
        private $type;
        private $usage = null;

        public function __construct($systemName, $displayName, $type, $units)
        {
            $this->systemName = $systemName;
            $this->displayName = $displayName;
            $this->type = $type;
        }

        public function systemName()
        {
            return $this->systemName;
        }

        public function withUsage($usage)
        {
            $copy = clone $this;
            $copy->usage = $usage;
            return $copy;
        }

        public function describe()
        {
            return [
                'name' => $this->systemName,
                'label' => $this->displayName,
                'type' => $this->type,
                'usage' => $this->usage ? $this->usage->value() : null,
            ];
        }
    }
}

namespace WHMCS\Database {
    class Capsule
    {
        public static $updates = [];

        public static function table($table)
        {
            return new UpdateQuery($table);
        }
    }

    class UpdateQuery
    {
        private $table;
        private $where = [];

        public function __construct($table)
        {
            $this->table = $table;
        }

        public function where($column, $value)
        {
            $this->where[$column] = $value;
            return $this;
        }

        public function update(array $values)
        {
            Capsule::$updates[] = ['table' => $this->table, 'where' => $this->where, 'values' => $values];
            return 1;
        }
    }
}

namespace {
    define('WHMCS', true);

    $moduleLog = [];

    /** As WHMCS does: each of $replaceVars is masked in what is logged. */
    function logModuleCall($module, $action, $request, $response, $processed = '', $replaceVars = [])
    {
        global $moduleLog;
        $mask = function ($value) use ($replaceVars) {
            $text = is_string($value) ? $value : json_encode($value);
            foreach ($replaceVars as $secret) {
                $text = str_replace($secret, '***', (string) $text);
            }
            return $text;
        };
        $moduleLog[] = implode(' | ', [$module, $action, $mask($request), $mask($response), $mask($processed)]);
    }

    $input = json_decode(stream_get_contents(STDIN), true);
    require $input['module'];
    $function = 'proxvps_' . $input['function'];
    try {
        $result = $function($input['params']);
        if ($result instanceof \WHMCS\UsageBilling\Contracts\Metrics\ProviderInterface) {
            $describe = function (array $metrics) {
                return array_map(function ($metric) {
                    return $metric->describe();
                }, $metrics);
            };
            $result = [
                'metrics' => $describe($result->metrics()),
                'usage' => array_map($describe, $result->usage()),
                'tenant' => $describe($result->tenantUsage($input['tenant'] ?? '')),
            ];
        }
    } catch (Exception $error) {
        $result = ['exception' => $error->getMessage()];
    }
    echo json_encode([
        'result' => $result,
        'module_log' => $moduleLog,
        'updates' => \WHMCS\Database\Capsule::$updates,
    ]);
}
