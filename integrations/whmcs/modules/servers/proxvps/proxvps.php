<?php
/**
 * proxvps server module for WHMCS: the thin bridge to the proxvps REST API.
 *
 * Every WHMCS module call becomes one or two calls on /api/v1/billing/ of the proxvps server configured for the
 * product, keyed by the WHMCS service id; the answers are mapped back to what WHMCS expects. All logic lives in
 * proxvps: this file only maps calls and answers. Server fields: hostname (or IP), port, "Secure" for HTTPS, and
 * the API token (scope billing) in the Access Hash (or the password field).
 *
 * Licensed under the GNU Affero General Public License, version 3 or later.
 */

use WHMCS\Database\Capsule;
use WHMCS\UsageBilling\Contracts\Metrics\MetricInterface;
use WHMCS\UsageBilling\Contracts\Metrics\ProviderInterface;
use WHMCS\UsageBilling\Metrics\Metric;
use WHMCS\UsageBilling\Metrics\Units\GigaBytes;
use WHMCS\UsageBilling\Metrics\Usage;

if (!defined('WHMCS')) {
    die('This file cannot be accessed directly');
}

const PROXVPS_TIMEOUT = 30;
const PROXVPS_CONNECT_TIMEOUT = 10;

// --------------------------------------------------------------------------------------------- the API client

/** The API's base URL from the server's fields. */
function proxvps_BaseUrl(array $params)
{
    $prefix = isset($params['serverhttpprefix']) && $params['serverhttpprefix'] !== ''
        ? $params['serverhttpprefix']
        : (!empty($params['serversecure']) ? 'https' : 'http');
    $host = !empty($params['serverhostname']) ? $params['serverhostname'] : ($params['serverip'] ?? '');
    $port = !empty($params['serverport']) ? ':' . (int) $params['serverport'] : '';
    return $prefix . '://' . $host . $port . '/api/v1';
}

/** The billing token: the Access Hash, or else the password field. */
function proxvps_Token(array $params)
{
    $hash = trim((string) ($params['serveraccesshash'] ?? ''));
    return $hash !== '' ? $hash : trim((string) ($params['serverpassword'] ?? ''));
}

/**
 * One API call: ['ok' => bool, 'status' => int, 'body' => decoded JSON or null, 'error' => one sentence].
 * Logged through logModuleCall with the token and the service password masked.
 */
function proxvps_Call(array $params, $method, $path, $body = null)
{
    $token = proxvps_Token($params);
    $curl = curl_init(proxvps_BaseUrl($params) . $path);
    $headers = ['Accept: application/json', 'Authorization: Bearer ' . $token];
    $payload = null;
    if ($body !== null) {
        $payload = json_encode($body);
        $headers[] = 'Content-Type: application/json';
        curl_setopt($curl, CURLOPT_POSTFIELDS, $payload);
    }
    curl_setopt_array($curl, [
        CURLOPT_CUSTOMREQUEST => $method,
        CURLOPT_HTTPHEADER => $headers,
        CURLOPT_RETURNTRANSFER => true,
        CURLOPT_TIMEOUT => PROXVPS_TIMEOUT,
        CURLOPT_CONNECTTIMEOUT => PROXVPS_CONNECT_TIMEOUT,
    ]);
    $raw = curl_exec($curl);
    $status = (int) curl_getinfo($curl, CURLINFO_RESPONSE_CODE);
    $transportError = $raw === false ? curl_error($curl) : '';
    curl_close($curl);

    $decoded = is_string($raw) && $raw !== '' ? json_decode($raw, true) : null;
    $answer = ['ok' => $status >= 200 && $status < 300, 'status' => $status, 'body' => $decoded, 'error' => ''];
    if ($transportError !== '') {
        $answer['error'] = 'proxvps could not be reached: ' . $transportError;
    } elseif (!$answer['ok']) {
        $answer['error'] = proxvps_ErrorText($status, $decoded);
    }
    $secrets = array_values(array_filter([$token, (string) ($params['password'] ?? '')], 'strlen'));
    logModuleCall('proxvps', $method . ' ' . $path, $payload, $raw, $decoded, $secrets);
    return $answer;
}

/** The API's error sentence, with the fields it names. */
function proxvps_ErrorText($status, $body)
{
    if (!is_array($body) || !isset($body['detail'])) {
        return 'proxvps answered HTTP ' . $status . '.';
    }
    $text = $body['detail'];
    foreach ((array) ($body['fields'] ?? []) as $field => $message) {
        if (strpos($text, $message) === false) {
            $text .= ' ' . $field . ': ' . $message;
        }
    }
    return $text;
}

/** 'success', or the error sentence: what WHMCS's account functions return. */
function proxvps_Result(array $answer)
{
    return $answer['ok'] ? 'success' : $answer['error'];
}

function proxvps_ServicePath(array $params, $suffix = '')
{
    return '/billing/services/' . rawurlencode((string) $params['serviceid']) . $suffix;
}

/** Configurable options by name as WHMCS gives them; a JSON object even when there are none. */
function proxvps_Options(array $params)
{
    return (object) (is_array($params['configoptions'] ?? null) ? $params['configoptions'] : []);
}

// ------------------------------------------------------------------------------------------------ module setup

function proxvps_MetaData()
{
    return [
        'DisplayName' => 'proxvps',
        'APIVersion' => '1.1',
        'RequiresServer' => true,
        'DefaultNonSSLPort' => '80',
        'DefaultSSLPort' => '443',
        'ServiceSingleSignOnLabel' => 'Open the server panel',
    ];
}

function proxvps_ConfigOptions()
{
    return [
        'Plan' => [
            'Type' => 'text',
            'Size' => '40',
            'Loader' => 'proxvps_LoadPlans',
            'SimpleMode' => true,
            'Description' => 'The proxvps plan this product sells.',
        ],
        'Client area host' => [
            'Type' => 'text',
            'Size' => '40',
            'Description' => 'Host name of proxvps\'s public URL, when it differs from the server\'s host name.',
        ],
    ];
}

/** The plan dropdown: proxvps's plans by name. */
function proxvps_LoadPlans(array $params)
{
    $answer = proxvps_Call($params, 'GET', '/billing/plans');
    if (!$answer['ok']) {
        throw new Exception($answer['error']);
    }
    $plans = [];
    foreach ($answer['body'] as $plan) {
        $plans[$plan['name']] = $plan['name'];
    }
    return $plans;
}

function proxvps_TestConnection(array $params)
{
    $answer = proxvps_Call($params, 'GET', '/billing/plans');
    return ['success' => $answer['ok'], 'error' => $answer['error']];
}

// ----------------------------------------------------------------------------------------- account functions

function proxvps_CreateAccount(array $params)
{
    $client = $params['clientsdetails'] ?? [];
    return proxvps_Result(proxvps_Call($params, 'POST', '/billing/services', [
        'service_id' => (string) $params['serviceid'],
        'client' => [
            'id' => (string) $params['userid'],
            'email' => (string) ($client['email'] ?? ''),
            'first_name' => (string) ($client['firstname'] ?? ''),
            'last_name' => (string) ($client['lastname'] ?? ''),
        ],
        'plan' => (string) $params['configoption1'],
        'options' => proxvps_Options($params),
        'hostname' => (string) ($params['domain'] ?? ''),
        'password' => (string) ($params['password'] ?? ''),
    ]));
}

function proxvps_SuspendAccount(array $params)
{
    return proxvps_Result(proxvps_Call($params, 'POST', proxvps_ServicePath($params, '/suspend')));
}

function proxvps_UnsuspendAccount(array $params)
{
    return proxvps_Result(proxvps_Call($params, 'POST', proxvps_ServicePath($params, '/unsuspend')));
}

/** Terminate; a service proxvps never had (its creation failed) counts as terminated. */
function proxvps_TerminateAccount(array $params)
{
    $answer = proxvps_Call($params, 'DELETE', proxvps_ServicePath($params));
    return $answer['status'] === 404 ? 'success' : proxvps_Result($answer);
}

function proxvps_ChangePassword(array $params)
{
    return proxvps_Result(proxvps_Call($params, 'POST', proxvps_ServicePath($params, '/password'), [
        'password' => (string) ($params['password'] ?? ''),
    ]));
}

function proxvps_ChangePackage(array $params)
{
    return proxvps_Result(proxvps_Call($params, 'PATCH', proxvps_ServicePath($params), [
        'plan' => (string) $params['configoption1'],
        'options' => proxvps_Options($params),
    ]));
}

function proxvps_Renew(array $params)
{
    return proxvps_Result(proxvps_Call($params, 'POST', proxvps_ServicePath($params, '/renew')));
}

// -------------------------------------------------------------------------------------------------- client area

function proxvps_ClientArea(array $params)
{
    $answer = proxvps_Call($params, 'GET', proxvps_ServicePath($params));
    return [
        'tabOverviewReplacementTemplate' => 'templates/overview.tpl',
        'templateVariables' => [
            'proxvps' => $answer['ok'] ? $answer['body'] : null,
            'proxvpsError' => $answer['error'],
            'proxvpsSsoLink' => 'clientarea.php?action=productdetails&id=' . (int) $params['serviceid']
                . '&dosinglesignon=1',
        ],
    ];
}

/** A one-time link into proxvps's client area, followed only when it points where proxvps lives. */
function proxvps_ServiceSingleSignOn(array $params)
{
    $answer = proxvps_Call($params, 'POST', proxvps_ServicePath($params, '/sso'));
    if (!$answer['ok']) {
        return ['success' => false, 'errorMsg' => $answer['error']];
    }
    $url = (string) ($answer['body']['url'] ?? '');
    $parts = parse_url($url);
    $expected = trim((string) ($params['configoption2'] ?? '')) ?: (string) $params['serverhostname'];
    if (!is_array($parts) || !in_array($parts['scheme'] ?? '', ['http', 'https'], true)
        || strcasecmp($parts['host'] ?? '', $expected) !== 0) {
        return ['success' => false, 'errorMsg' => 'proxvps answered a sign-in link to an unexpected host.'];
    }
    return ['success' => true, 'redirectTo' => $url];
}

// ---------------------------------------------------------------------------------------------------- admin area

function proxvps_AdminCustomButtonArray()
{
    return [
        'Start' => 'PowerStart',
        'Stop' => 'PowerStop',
        'Reboot' => 'PowerReboot',
        'Redeploy' => 'Redeploy',
        'Set DNS records' => 'SetDnsRecords',
    ];
}

function proxvps_Power(array $params, $action)
{
    return proxvps_Result(proxvps_Call($params, 'POST', proxvps_ServicePath($params, '/power'), ['action' => $action]));
}

function proxvps_PowerStart(array $params)
{
    return proxvps_Power($params, 'start');
}

function proxvps_PowerStop(array $params)
{
    return proxvps_Power($params, 'stop');
}

function proxvps_PowerReboot(array $params)
{
    return proxvps_Power($params, 'reboot');
}

function proxvps_SetDnsRecords(array $params)
{
    return proxvps_Result(proxvps_Call($params, 'POST', proxvps_ServicePath($params, '/dns')));
}

/** Reinstall the VM from its own operating system, keeping its addresses and VMID. */
function proxvps_Redeploy(array $params)
{
    return proxvps_Result(proxvps_Call($params, 'POST', proxvps_ServicePath($params, '/reinstall'), (object) []));
}

function proxvps_AdminServicesTabFields(array $params)
{
    $answer = proxvps_Call($params, 'GET', proxvps_ServicePath($params));
    if (!$answer['ok']) {
        return ['proxvps' => htmlspecialchars($answer['error'])];
    }
    $service = $answer['body'];
    $fields = [
        'State' => $service['status'] . ($service['busy'] ? ' (in progress)' : ''),
        'VMID' => (string) ($service['vmid'] ?? '-'),
        'Node' => $service['node'] ?: '-',
        'IP addresses' => implode(', ', array_merge($service['ipv4'], $service['ipv6'])) ?: '-',
        'Operating system' => $service['operating_system'] ?: '-',
        'Last error' => $service['last_error'] ?: '-',
    ];
    return array_map('htmlspecialchars', $fields);
}

// --------------------------------------------------------------------------------------------------------- usage

/** Daily: this month's bandwidth (MB) and each service's disk (MB) into WHMCS's usage fields. */
function proxvps_UsageUpdate(array $params)
{
    $answer = proxvps_Call($params, 'GET', '/billing/usage?period=' . gmdate('Y-m'));
    if (!$answer['ok']) {
        return $answer['error'];
    }
    foreach ($answer['body'] as $usage) {
        Capsule::table('tblhosting')
            ->where('id', $usage['service_id'])
            ->where('server', $params['serverid'])
            ->update([
                'bwusage' => round(($usage['net_in_bytes'] + $usage['net_out_bytes']) / 1048576, 2),
                'disklimit' => $usage['disk_gb'] * 1024,
                'lastupdate' => gmdate('Y-m-d H:i:s'),
            ]);
    }
    return 'success';
}

function proxvps_MetricProvider(array $params)
{
    return new ProxvpsMetricProvider($params);
}

if (interface_exists(ProviderInterface::class)) {
    /**
     * Bandwidth for WHMCS usage billing: network in and out this month, in GB. Tenants are the services' domains
     * (the host names CreateAccount sends to proxvps).
     */
    class ProxvpsMetricProvider implements ProviderInterface
    {
        private $params;

        public function __construct(array $params)
        {
            $this->params = $params;
        }

        public function metrics()
        {
            return [
                new Metric('net_in', 'Network In', MetricInterface::TYPE_PERIOD_MONTH, new GigaBytes()),
                new Metric('net_out', 'Network Out', MetricInterface::TYPE_PERIOD_MONTH, new GigaBytes()),
            ];
        }

        public function usage()
        {
            $usage = [];
            foreach ($this->read() as $service) {
                $usage[$service['hostname']] = $this->wrap($service);
            }
            return $usage;
        }

        public function tenantUsage($tenant)
        {
            foreach ($this->read() as $service) {
                if ($service['hostname'] === $tenant) {
                    return $this->wrap($service);
                }
            }
            return $this->metrics();
        }

        private function read()
        {
            $answer = proxvps_Call($this->params, 'GET', '/billing/usage?period=' . gmdate('Y-m'));
            if (!$answer['ok']) {
                throw new Exception($answer['error']);
            }
            return $answer['body'];
        }

        private function wrap(array $service)
        {
            $bytes = ['net_in' => $service['net_in_bytes'], 'net_out' => $service['net_out_bytes']];
            $wrapped = [];
            foreach ($this->metrics() as $metric) {
                $wrapped[] = $metric->withUsage(new Usage($bytes[$metric->systemName()] / 1073741824));
            }
            return $wrapped;
        }
    }
}
